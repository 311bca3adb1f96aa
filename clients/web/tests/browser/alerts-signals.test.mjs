// The alert desk's signals and layout (issue 13 items 1 and 5): the desktop notification
// (only when the user opted in, one per new alert, naming no patient and no diagnosis), the
// chime (once per new alert, silent when muted), a laptop waking from sleep (the feed
// catches up with what was raised meanwhile, each alert once), community names instead of
// codes, and the inbox as a table at 1366x768 but cards at 390 px.
//
// Headless Chromium shows no notifications and plays no sound, so an init script puts
// recording stand-ins in place of Notification and AudioContext before the page's code
// runs: they record what the page asks for (the page's own code is unchanged).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './harness.mjs';

const CLINICAL_WORDS = ['精神分裂', '分裂', '双相', '偏执', '癫痫', '利培酮', '氯氮平', '奥氮平', '碳酸锂', 'mg', '诊断', '服药'];

/** Runs in the page before its scripts: recording Notification and AudioContext. */
function installStubs() {
  const KEY = 'test.notification-permission';  // kept across reloads, as the browser does
  const notes = [];
  class RecordingNotification {
    static get permission() { return localStorage.getItem(KEY) ?? 'default'; }
    static async requestPermission() { localStorage.setItem(KEY, 'granted'); return 'granted'; }
    constructor(title, options = {}) {
      notes.push({ title, body: options.body ?? '', tag: options.tag ?? '' });
      this.onclick = null;
    }
    close() {}
  }
  Object.defineProperty(window, 'Notification', { value: RecordingNotification, writable: true, configurable: true });
  // A chime is two or three tones; its first starts at the context's current time.
  const chimes = [];
  class RecordingAudioContext {
    constructor() { this.state = 'running'; this.destination = {}; }
    get currentTime() { return performance.now() / 1000; }
    resume() { return Promise.resolve(); }
    createOscillator() {
      const ctx = this;
      const o = {
        type: 'sine', frequency: { value: 0 }, connect: (n) => n, stop() {},
        start(at) { if (at - ctx.currentTime < 0.05) chimes.push({ at, ends: at + 0.6, frequency: o.frequency.value }); },
      };
      return o;
    }
    createGain() { return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (n) => n }; }
  }
  Object.defineProperty(window, 'AudioContext', { value: RecordingAudioContext, writable: true, configurable: true });
  window.__signals = { notes, chimes, now: () => performance.now() / 1000 };
}

const signals = (page) => page.evaluate(() => ({ notes: window.__signals.notes, chimes: window.__signals.chimes.length }));
const card = (page, alertId) => page.locator(`[data-test=alert][data-alert-id="${alertId}"]`);

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

describe('alert desk: notification, chime, waking, names and layout', () => {
  let stack, doctor, police, patients, communities;
  const raise = async (i, severity = 3) => (await stack.rpc(doctor, 'smd.v1.AlertService/RaiseAlert',
    { patientId: patients[i % patients.length].patientId, severity, cause: `请上门核实情况（测试 ${i}）` })).alertId;

  before(async () => {
    stack = await startStack({ patients: 40 });
    doctor = await stack.newPage();
    await stack.login(doctor, 'doctor');
    const res = await stack.rpc(doctor, 'smd.v1.PatientService/SearchPatients', { region: '320106001', page: { pageSize: 100 } });
    patients = (res.patients ?? []).filter((p) => !p.status || p.status === 'PATIENT_STATUS_ACTIVE');
    assert.ok(patients.length >= 2, `the street has active demo patients: ${patients.length}`);
    communities = new Map((await stack.rpc(doctor, 'smd.v1.RegionService/ListRegions', { root: '320106001', depth: 0 }))
      .regions.map((r) => [r.code, r.name]));
    police = await stack.newPage({ viewport: { width: 1366, height: 768 } });
    await police.context().addInitScript(installStubs);
    await stack.login(police, 'police');
    await police.waitForURL((u) => u.pathname === '/alerts');
    await police.locator('[data-test=conn-state][data-state=live]').waitFor();
  });
  after(async () => { await stack?.stop(); });

  test('desktop notifications: none before opting in; then one per new alert, naming no patient; none for one already seen', async () => {
    // Not opted in (the browser has not been asked): a new alert shows, nothing pops up.
    const first = await raise(0);
    await card(police, first).waitFor({ timeout: 5000 });
    assert.deepEqual((await signals(police)).notes, []);

    await police.locator('[data-test=notify]').click();
    await police.locator('[data-test=notify].is-checked').waitFor();

    // A risk-4 visit with medication on it: one notification, kind, severity and community.
    const visit = await stack.rpc(doctor, 'smd.v1.FollowUpService/RecordFollowUp', riskFourVisit(patients[1].patientId));
    const alertId = visit.alert?.alertId ?? visit.followUp?.alert?.alertId;
    await card(police, alertId).waitFor({ timeout: 5000 });
    const { notes } = await signals(police);
    assert.equal(notes.length, 1, JSON.stringify(notes));
    const text = `${notes[0].title} ${notes[0].body}`;
    assert.match(notes[0].title, /新预警 · 紧急/);
    assert.match(notes[0].body, /随访危险性评估|高风险/);
    const community = communities.get(patients[1].details.jurisdiction);
    assert.ok(community && notes[0].body.includes(community), `names the community (${community}): ${text}`);
    for (const p of patients) assert.ok(!text.includes(p.details.name), 'no patient name in the notification');
    for (const w of CLINICAL_WORDS) assert.ok(!text.includes(w), `no "${w}" in the notification`);

    // Reloaded: the alerts already shown come back from the inbox, and notify nobody again.
    await police.reload();
    await police.locator('[data-test=conn-state][data-state=live]').waitFor();
    await card(police, alertId).waitFor();
    await card(police, first).waitFor();
    assert.deepEqual((await signals(police)).notes, []);
    assert.ok(await police.locator('[data-test=notify].is-checked').count(), 'the choice is kept');

    // A second tab of the same browser: still one notification per alert.
    const tab2 = await police.context().newPage();
    await tab2.goto(stack.baseUrl + '/alerts');
    await tab2.locator('[data-test=conn-state][data-state=live]').waitFor();
    const next = await raise(2);
    await card(police, next).waitFor({ timeout: 5000 });
    await card(tab2, next).waitFor({ timeout: 5000 });
    const both = [...(await signals(police)).notes, ...(await signals(tab2)).notes];
    assert.equal(both.length, 1, JSON.stringify(both));
    assert.equal(both[0].tag, `smd-alert-${await card(police, next).getAttribute('data-seq')}`);
    await tab2.close();
    await police.locator('[data-test=conn-state][data-leader=yes]').waitFor({ timeout: 10000 });

    // Turned off on the desk: nothing more.
    await police.locator('[data-test=notify]').click();
    await police.locator('[data-test=notify]:not(.is-checked)').waitFor();
    const after = await raise(3);
    await card(police, after).waitFor({ timeout: 5000 });
    assert.equal((await signals(police)).notes.length, 1);
  });

  test('the chime plays once per new alert and is silent when muted', async () => {
    await police.reload();
    await police.locator('[data-test=conn-state][data-state=live]').waitFor();
    assert.equal((await signals(police)).chimes, 0, 'the inbox alone does not chime');
    // Each alert after the last chime has ended (alerts within one chime share it).
    const quiet = () => police.waitForFunction(() => window.__signals.chimes.every((c) => c.ends < window.__signals.now() - 0.1));
    for (let i = 1; i <= 2; i++) {
      await quiet();
      const id = await raise(i, i === 2 ? 4 : 2);
      await card(police, id).waitFor({ timeout: 5000 });
      assert.equal((await signals(police)).chimes, i, `chime ${i}`);
    }
    const tones = await police.evaluate(() => window.__signals.chimes.map((c) => c.frequency));
    assert.deepEqual(tones, [660, 880], 'a critical alert chimes higher');

    await police.locator('[data-test=sound]').click();
    await police.locator('[data-test=sound]:not(.is-checked)').waitFor();
    await quiet();
    const muted = await raise(5);
    await card(police, muted).waitFor({ timeout: 5000 });
    assert.equal((await signals(police)).chimes, 2, 'muted: no chime');
    await police.locator('[data-test=sound]').click();
    await police.locator('[data-test=sound].is-checked').waitFor();
  });

  test('a laptop waking from sleep: the feed catches up with each alert raised meanwhile, once', async () => {
    const cdp = await police.context().newCDPSession(police);
    // Sleep: the network goes away and the page stops running.
    await police.context().setOffline(true);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    const whileAway = [];
    for (let i = 0; i < 3; i++) whileAway.push(await raise(10 + i, 2));
    // Wake.
    await police.context().setOffline(false);
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    const woke = Date.now();
    for (const id of whileAway) await card(police, id).waitFor({ timeout: 10000 });
    const took = Date.now() - woke;
    assert.ok(took <= 5000, `caught up ${took} ms after waking`);
    await police.locator('[data-test=conn-state][data-state=live]').waitFor({ timeout: 10000 });
    // Live again: the next alert arrives on the stream.
    const live = await raise(20, 2);
    await card(police, live).waitFor({ timeout: 5000 });
    const ids = await police.locator('[data-test=alert]').evaluateAll((els) => els.map((e) => e.dataset.alertId));
    for (const id of [...whileAway, live]) assert.equal(ids.filter((x) => x === id).length, 1, `alert ${id} once`);
    const seqs = await police.locator('[data-test=alert]').evaluateAll((els) => els.map((e) => e.dataset.seq));
    assert.equal(new Set(seqs).size, seqs.length, 'no seq twice');
    await cdp.detach();
  });

  test('community names, not codes; a table at 1366x768 and cards at 390 px', async () => {
    assert.equal(await police.locator('[data-test=alert-list]').getAttribute('data-layout'), 'table');
    const row = police.locator('[data-test=alert]').first();
    const cell = row.locator('[data-test=alert-community]');
    const code = await cell.getAttribute('data-code');
    assert.match(code, /^\d{12}$/);
    await police.waitForFunction((el) => !/^\d+$/.test(el.textContent.trim()), await cell.elementHandle());
    const shown = (await cell.innerText()).trim();
    assert.ok(shown.includes(communities.get(code)), `"${shown}" names ${code} (${communities.get(code)})`);
    const page = await police.locator('body').innerText();
    assert.ok(!/\b\d{12}\b/.test(page), 'no community code on the page');
    // One row per alert, each with its columns; acknowledging from a row works as on a card.
    const headers = await police.locator('[data-test=alert-table] th').allInnerTexts();
    assert.deepEqual(headers.map((h) => h.trim()), ['发出时间', '级别', '预警', '社区', '患者', '确认时限', '状态', '操作']);
    const overflow = await police.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling at 1366 (${overflow} px)`);
    await police.evaluate(() => window.scrollTo(0, 0));
    await stack.screenshot(police, 'alerts-desk-table.png');

    const phone = await stack.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await stack.login(phone, 'police');
    await phone.waitForURL((u) => u.pathname === '/alerts');
    await phone.locator('[data-test=alert]').first().waitFor();
    assert.equal(await phone.locator('[data-test=alert-list]').getAttribute('data-layout'), 'cards');
    assert.equal(await phone.locator('[data-test=alert-table]').count(), 0);
    const c = phone.locator('[data-test=alert]').first();
    assert.equal(await c.evaluate((e) => e.tagName), 'ARTICLE');
    await phone.waitForFunction((el) => !/^\d+$/.test(el.textContent.trim()), await c.locator('[data-test=alert-community]').elementHandle());
    assert.ok(communities.get(await c.locator('[data-test=alert-community]').getAttribute('data-code')));
    assert.deepEqual(police.errors.filter((e) => !/status of 4\d\d|ERR_|net::/.test(e)), []);
  });
});
