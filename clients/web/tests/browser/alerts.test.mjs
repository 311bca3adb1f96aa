// The alert desk (预警工作台, issue 13 item 1): a police officer's live feed, resumption after
// a reload and a server restart, acknowledgement, escalation after a shortened deadline, and
// the desk at phone width. Each `describe` starts its own stack.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './harness.mjs';

/** Words of diagnosis and medication that must never reach the police page. */
const CLINICAL_WORDS = ['精神分裂', '分裂', '双相', '偏执', '癫痫', '利培酮', '氯氮平', '奥氮平', '碳酸锂', 'mg', '诊断', '服药'];

function beijingToday() {
  const d = new Date(Date.now() + 8 * 3600_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** A risk-4 visit (rules.md §2 level 4: a mandatory police alert), with medication on it. */
function riskFourVisit(patientId) {
  return {
    patientId,
    form: {
      visitDate: beijingToday(), mode: 'VISIT_MODE_HOME', subjects: [1, 2], riskLevel: 4,
      symptomSeverity: 'SYMPTOM_SEVERITY_RESIDUAL', insight: 'INSIGHT_PARTIAL', sleep: 2, diet: 1,
      social: { selfCare: 1, housework: 2, work: 9, study: 1, social: 2 }, lockup: 'LOCKUP_NONE',
      hospitalization: 'HOSPITALIZATION_NEVER', adherence: 'ADHERENCE_INTERMITTENT', adr: 'ADVERSE_REACTION_NONE',
      physical: 'PHYSICAL_ILLNESS_NONE', effect: 'TREATMENT_EFFECT_IMPROVED',
      medications: [{ drugCode: 'clozapine', morningMg: 100, eveningMg: 200 }],
    },
  };
}

async function streetPatients(stack, page) {
  const res = await stack.rpc(page, 'smd.v1.PatientService/SearchPatients', { region: '320106001', page: { pageSize: 100 } });
  return (res.patients ?? []).filter((p) => !p.status || p.status === 'PATIENT_STATUS_ACTIVE');
}

const card = (page, alertId) => page.locator(`[data-test=alert][data-alert-id="${alertId}"]`);

describe('police desk: live feed, resume, acknowledge', () => {
  let stack, police, doctor, patients;
  before(async () => {
    stack = await startStack({ patients: 40 });
    doctor = await stack.newPage();
    await stack.login(doctor, 'doctor');
    patients = await streetPatients(stack, doctor);
    assert.ok(patients.length >= 2, `the street has active demo patients: ${patients.length}`);
    police = await stack.newPage();
    await stack.login(police, 'police');
  });
  after(async () => { await stack?.stop(); });

  test('a risk-4 follow-up reaches the police desk within 1 s, without clinical words', async () => {
    await police.waitForURL((u) => u.pathname === '/alerts');
    await police.locator('[data-test=conn-state][data-state=live]').waitFor();

    const res = await stack.rpc(doctor, 'smd.v1.FollowUpService/RecordFollowUp', riskFourVisit(patients[0].patientId));
    const answered = Date.now();
    const alertId = res.alert?.alertId ?? res.followUp?.alert?.alertId;
    assert.ok(alertId, `the visit raised an alert: ${JSON.stringify(res).slice(0, 300)}`);
    await card(police, alertId).waitFor({ timeout: 5000 });
    const elapsed = Date.now() - answered;
    assert.ok(elapsed <= 1000, `shown ${elapsed} ms after RecordFollowUp answered`);

    const c = card(police, alertId);
    await c.locator('[data-test=alert-new]').waitFor();
    const text = await c.innerText();
    assert.match(text, /紧急/);
    assert.match(text, /随访危险性评估4级/);
    assert.ok(text.includes(patients[0].details.name), 'the patient is named (the officer must act)');
    assert.match(await c.locator('[data-test=alert-deadline]').innerText(), /\d{4}-\d\d-\d\d \d\d:\d\d/);
    const page = await police.locator('body').innerText();
    for (const w of CLINICAL_WORDS) assert.ok(!page.includes(w), `no "${w}" on the police page`);
    // Police cannot open patient records: the name is not a link.
    assert.equal(await c.locator('[data-test=alert-patient] a').count(), 0);
    await stack.screenshot(police, 'alerts-desk.png');
  });

  test('reload and server restart: every alert once, including one raised while away', async () => {
    const before = await police.locator('[data-test=alert]').evaluateAll((els) => els.map((e) => e.dataset.alertId));
    await police.goto('about:blank');
    await stack.restartServer();
    // Raised after the server is back, while the police page is away.
    const raised = await stack.rpc(doctor, 'smd.v1.AlertService/RaiseAlert',
      { patientId: patients[0].patientId, severity: 3, cause: '家属来电称患者情绪激动，请上门查看' });
    assert.ok(raised.recipients >= 1);
    await police.goto(stack.baseUrl + '/alerts');
    await police.locator('[data-test=conn-state][data-state=live]').waitFor({ timeout: 15000 });
    await card(police, raised.alertId).waitFor();

    // And the stream is live again after the restart: a new alert arrives within 1 s.
    const res = await stack.rpc(doctor, 'smd.v1.FollowUpService/RecordFollowUp', riskFourVisit(patients[1].patientId));
    const answered = Date.now();
    const liveId = res.alert?.alertId ?? res.followUp?.alert?.alertId;
    await card(police, liveId).waitFor({ timeout: 5000 });
    assert.ok(Date.now() - answered <= 1000, 'live after the restart');

    const ids = await police.locator('[data-test=alert]').evaluateAll((els) => els.map((e) => e.dataset.alertId));
    for (const id of [...before, raised.alertId, liveId]) {
      assert.equal(ids.filter((x) => x === id).length, 1, `alert ${id} shown once`);
    }
    const seqs = await police.locator('[data-test=alert]').evaluateAll((els) => els.map((e) => e.dataset.seq));
    assert.equal(new Set(seqs).size, seqs.length, 'no seq twice');

    // A restart with the page open: the stream ends, the page reconnects with its cursor.
    await stack.restartServer();
    const during = await stack.rpc(doctor, 'smd.v1.AlertService/RaiseAlert',
      { patientId: patients[1].patientId, severity: 3, cause: '患者家门口聚集人员，请到场了解' });
    await card(police, during.alertId).waitFor({ timeout: 15000 });
    await police.locator('[data-test=conn-state][data-state=live]').waitFor({ timeout: 15000 });
    const all = await police.locator('[data-test=alert]').evaluateAll((els) => els.map((e) => e.dataset.seq));
    assert.equal(new Set(all).size, all.length, 'still no seq twice');
  });

  test('acknowledge with a note: recorded, and gone from the unacknowledged filter', async () => {
    const first = police.locator('[data-test=alert]').first();
    const alertId = await first.getAttribute('data-alert-id');
    const seq = await first.getAttribute('data-seq');
    // Too long a note: the server's message shows in the dialog.
    await first.locator('[data-test=alert-ack]').click();
    await police.locator('[data-test=ack-note]').fill('已上门，患者情绪平稳，家属在场');
    await police.locator('[data-test=ack-submit]').click();
    await card(police, alertId).waitFor({ state: 'detached' });

    const list = await stack.rpc(police, 'smd.v1.AlertService/ListAlerts', { page: { pageSize: 200 } });
    const acked = list.alerts.find((a) => a.seq === seq);
    assert.ok(acked.acknowledgedAt, 'acknowledged on the server');
    assert.equal(acked.ackNote, '已上门，患者情绪平稳，家属在场');
    const unack = await stack.rpc(police, 'smd.v1.AlertService/ListAlerts', { unacknowledgedOnly: true, page: { pageSize: 200 } });
    assert.ok(!unack.alerts.some((a) => a.seq === seq), 'not in the unacknowledged inbox');

    // With the filter off, it is there, marked acknowledged with the note.
    await police.locator('[data-test=filter-unack]').click();
    await card(police, alertId).locator('[data-test=alert-acked]').waitFor();
    assert.match(await card(police, alertId).innerText(), /已上门，患者情绪平稳/);
    await police.locator('[data-test=filter-unack]').click();
    await card(police, alertId).waitFor({ state: 'detached' });
    // Acknowledging again is refused by the server, and the page says so.
    await assert.rejects(stack.rpc(police, 'smd.v1.AlertService/AcknowledgeAlert', { seq, note: 'x' }), /failed_precondition|HTTP 400/);
  });

  test('two tabs share one stream; when the leader closes, the other takes over', async () => {
    const tab2 = await police.context().newPage();
    tab2.errors = [];
    await tab2.goto(stack.baseUrl + '/alerts');
    await tab2.locator('[data-test=alert-list]').waitFor();
    // Exactly one of the two tabs holds the stream.
    await police.locator('[data-test=conn-state][data-state=live]').waitFor();
    await tab2.locator('[data-test=conn-state][data-state=live]').waitFor();
    const pl = await police.locator('[data-test=conn-state]').getAttribute('data-leader');
    const tl = await tab2.locator('[data-test=conn-state]').getAttribute('data-leader');
    assert.deepEqual([pl, tl].sort(), ['no', 'yes'], 'one leader');
    const raised = await stack.rpc(doctor, 'smd.v1.AlertService/RaiseAlert',
      { patientId: patients[1].patientId, severity: 2, cause: '请核实患者近期居住情况' });
    await card(police, raised.alertId).waitFor({ timeout: 5000 });
    await card(tab2, raised.alertId).waitFor({ timeout: 5000 });
    // Close the leader: the other tab takes the lock and resumes from the shared cursor.
    const [leader, other] = pl === 'yes' ? [police, tab2] : [tab2, police];
    await leader.close();
    await other.locator('[data-test=conn-state][data-leader=yes][data-state=live]').waitFor({ timeout: 10000 });
    const next = await stack.rpc(doctor, 'smd.v1.AlertService/RaiseAlert',
      { patientId: patients[0].patientId, severity: 2, cause: '请协助联系患者家属' });
    await card(other, next.alertId).waitFor({ timeout: 5000 });
    assert.equal(await card(other, raised.alertId).count(), 1, 'the earlier alert still once');
    police = other;
  });

  test('when the stream cannot be kept, the desk polls and loses nothing', async () => {
    const p = await stack.newPage();
    // As a proxy that breaks streaming would: every SubscribeAlerts request fails.
    await p.route('**/smd.v1.AlertService/SubscribeAlerts', (r) => r.abort('failed'));
    await stack.login(p, 'police');
    await p.waitForURL((u) => u.pathname === '/alerts');
    await p.locator('[data-test=conn-state][data-state=polling]').waitFor({ timeout: 20000 });
    assert.equal(await p.locator('[data-test=conn-state]').innerText(), '轮询');
    const raised = await stack.rpc(doctor, 'smd.v1.AlertService/RaiseAlert',
      { patientId: patients[0].patientId, severity: 3, cause: '请于今日内上门核实' });
    await card(p, raised.alertId).waitFor({ timeout: 15000 });
    await card(p, raised.alertId).locator('[data-test=alert-new]').waitFor();
    const seqs = await p.locator('[data-test=alert]').evaluateAll((els) => els.map((e) => e.dataset.seq));
    assert.equal(new Set(seqs).size, seqs.length, 'no seq twice');
    await p.close();
  });

  test('the desk and one alert at 390 px wide', async () => {
    const phone = await stack.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await stack.login(phone, 'police');
    await phone.waitForURL((u) => u.pathname === '/alerts');
    const c = phone.locator('[data-test=alert]').first();
    await c.waitFor();
    await phone.locator('[data-test=conn-state][data-state=live]').waitFor();
    const box = await c.boundingBox();
    assert.ok(box.width <= 390 && box.x >= 0, `card fits: ${JSON.stringify(box)}`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling (${overflow} px)`);
    const fontSize = await c.locator('[data-test=alert-cause]').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    assert.ok(fontSize >= 14, 'cause readable');
    await stack.screenshot(phone, 'alerts-mobile.png');
    await c.locator('[data-test=alert-open]').click();
    await phone.waitForURL(/\/alerts\/\d+$/);
    await phone.locator('[data-test=alert]').waitFor();
    const overflow2 = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow2 <= 1, `alert page: no sideways scrolling (${overflow2} px)`);
    await stack.screenshot(phone, 'alert-mobile.png');
    assert.deepEqual(police.errors.filter((e) => !/status of 4\d\d|ERR_|net::/.test(e)), []);
  });
});

describe('escalation after a shortened deadline', () => {
  let stack, police, doctor;
  before(async () => {
    stack = await startStack({ patients: 40, serverArgs: ['--ack-critical-seconds', '3', '--alert-escalate-interval-ms', '250'] });
    doctor = await stack.newPage();
    await stack.login(doctor, 'doctor');
    police = await stack.newPage();
    await stack.login(police, 'police');
  });
  after(async () => { await stack?.stop(); });

  test('an unacknowledged critical alert shows as escalated', async () => {
    await police.locator('[data-test=conn-state][data-state=live]').waitFor();
    const [p] = await streetPatients(stack, doctor);
    const raised = await stack.rpc(doctor, 'smd.v1.AlertService/RaiseAlert',
      { patientId: p.patientId, severity: 4, cause: '邻居报告患者持刀在楼道徘徊，请立即处置' });
    const c = card(police, raised.alertId);
    await c.waitFor({ timeout: 5000 });
    // 3 s deadline, escalation pass every 250 ms; the desk asks again after the deadline.
    await c.locator('[data-test=alert-escalated]').waitFor({ timeout: 20000 });
    await stack.screenshot(police, 'alerts-escalated.png', { clip: { x: 0, y: 0, width: 1366, height: 360 } });
    await police.locator('[data-test=filter-escalated]').click();
    await c.waitFor();
    assert.equal(await police.locator('[data-test=alert]').count(), 1);
  });
});
