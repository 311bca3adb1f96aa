// Follow-up entry (表8) through the real gateway and server: a doctor enters a risk-4 visit
// with the keyboard only (a paper form from three days ago, an out-of-range dose that needs a
// reason), reads the server's result (不稳定, the actions, the next visit two weeks out),
// corrects the visit (a new version; the old one stays visible) and records a failed visit
// (失访) after the server refused a future date. Takes the screenshots of docs/web.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './harness.mjs';

let stack;
let page;
let patientId;

const shanghaiToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
function addDays(iso, n) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
const today = shanghaiToday();
const visitDate = addDays(today, -3); // a paper form entered three days later

/** The data-test of the focused element or of its nearest marked ancestor. */
async function focused() {
  return page.evaluate(() => document.activeElement?.closest('[data-test]')?.getAttribute('data-test') ?? '');
}
async function expectFocus(name) {
  await page.waitForFunction((n) => document.activeElement?.closest('[data-test]')?.getAttribute('data-test') === n, name,
    { timeout: 5000 }).catch(async () => assert.fail(`focus on ${name} expected, is on "${await focused()}"`));
}
/** Tab to the next field, check it is the one expected, and type into it. */
async function tabTo(name, ...keys) {
  await page.keyboard.press('Tab');
  await expectFocus(name);
  for (const k of keys) await page.keyboard.press(k);
}

before(async () => {
  stack = await startStack({ patients: 12 });
  page = await stack.newPage();
  await stack.login(page, 'doctor');
  // An active patient of the doctor's street who is not unstable yet.
  const r = await stack.rpc(page, 'smd.v1.PatientService/SearchPatients', { page: { pageSize: 50 } });
  const p = r.patients.find((x) => x.status === 'PATIENT_STATUS_ACTIVE' && (x.classification ?? 0) !== 1 && !x.unreadable);
  assert.ok(p, 'a demo patient to visit');
  patientId = p.patientId;
});
after(async () => { await stack?.stop(); });

test('a risk-4 visit entered with the keyboard only: 不稳定, the actions, next visit in 14 days; the out-of-range dose needs a reason', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patientId}/followups/new`);
  await page.locator('[data-test=patient-banner]').waitFor();
  assert.match(await page.locator('[data-test=patient-id-number]').innerText(), /^\d{6}\*{8}\d{3}[\dX]$/, 'ID number masked');
  // From here on: keyboard only. The visit date has the focus when the form opens.
  await page.waitForFunction(() => document.activeElement?.closest('[data-test]')?.getAttribute('data-test') === 'visit-date');
  await page.keyboard.press('Control+a');
  await page.keyboard.type(visitDate);
  await tabTo('mode', '2'); // 家庭访视
  await tabTo('outcome'); // 访到 is the default
  await tabTo('subjects', '1', '2');
  await tabTo('risk', '4');
  await tabTo('symptom-severity', '3');
  await tabTo('symptoms', '3', '7');
  await tabTo('insight', '2');
  await tabTo('sleep', '1');
  await tabTo('diet', '2');
  await tabTo('social-selfCare', '1');
  await tabTo('social-housework', '2');
  await tabTo('social-work', '9');
  await tabTo('social-study', '1');
  await tabTo('social-social', '3');
  await tabTo('behaviour-minorTrouble');
  await tabTo('behaviour-trouble');
  await tabTo('behaviour-accident');
  await tabTo('behaviour-otherHarm');
  await tabTo('behaviour-selfHarm', 'Control+a', '1');
  await tabTo('behaviour-attemptedSuicide');
  await tabTo('lockup', '1');
  await tabTo('hospitalization', '0'); // the paper's code 0 未住院
  await tabTo('lab', '1');
  await tabTo('adherence', '2');
  await tabTo('adr', '1');
  await tabTo('physical', '1');
  await tabTo('effect', '3');
  await tabTo('referral', '1');
  await page.keyboard.press('Tab');
  await page.keyboard.type('risperidone');
  await page.locator('.el-select-dropdown__item', { hasText: '利培酮' }).first().waitFor();
  await page.keyboard.press('Enter'); // picks the drug (Enter in a drug list does not save)
  await tabTo('medications-morning-0');
  await page.keyboard.type('4');
  await tabTo('medications-noon-0');
  await tabTo('medications-evening-0');
  await page.keyboard.type('4'); // 8 mg a day: above risperidone's usual 1-6 mg

  // What the page knows at once: the digits picked the options, the range warning shows.
  assert.equal(await page.locator('[data-test=risk] [aria-checked=true]').getAttribute('data-value'), '4');
  assert.match(await page.locator('[data-test=risk] [aria-checked=true]').innerText(), /4级：持续的打砸行为/);
  assert.match(await page.locator('[data-test=medications-warning-0]').innerText(), /超出常用范围/);
  await stack.screenshot(page, 'followup-form.png', { fullPage: true });

  // Enter saves; the server refuses the dose until a reason is given.
  await page.keyboard.press('Enter');
  await page.locator('[data-test=oor-reason]').waitFor();
  await expectFocus('oor-reason');
  assert.match(await page.locator('[data-test=medications-error-0]').innerText(), /利培酮.*超出常用范围/);
  assert.match(await page.locator('[data-test=oor-message]').innerText(), /超出常用范围/);
  await page.keyboard.press('Enter'); // no reason: nothing is sent
  assert.equal(await page.locator('[data-test=result]').count(), 0, 'not saved without a reason');
  await page.keyboard.type('专科医生医嘱加量');
  await page.keyboard.press('Enter');

  const result = page.locator('[data-test=result]');
  await result.waitFor();
  assert.equal(await page.locator('[data-test=result-class]').innerText(), '不稳定');
  const actions = await page.locator('[data-test=result-actions]').innerText();
  assert.match(actions, /立即转诊/);
  assert.match(actions, /通知公安/);
  assert.match(actions, /关爱帮扶小组/);
  assert.equal(await page.locator('[data-test=result-visit-date]').innerText(), visitDate);
  assert.equal(await page.locator('[data-test=result-next-date]').innerText(), addDays(visitDate, 14));
  assert.match(await page.locator('[data-test=result-next-days]').innerText(), /随访日期后 14 天/);
  const alertText = await page.locator('[data-test=result-alert]').innerText();
  assert.match(alertText, /高风险[\s\S]*民警、网格员/);
  // The count is the server's: the copies it wrote for this alert.
  const sent = Number(/已送达 (\d+) 人/.exec(alertText)?.[1]);
  const copies = Number(stack.sql(`SELECT count(*) FROM alert_recipient r JOIN alert a ON a.id = r.alert_id
    WHERE a.patient_id = '${patientId}' AND a.kind = 1`).trim());
  assert.ok(sent >= 1 && sent === copies, `page says ${sent} recipients, the server wrote ${copies}`);
  // The banner shows the register's new state.
  await page.waitForFunction(() => document.querySelector('[data-test=patient-class]')?.textContent?.includes('不稳定'));
  await stack.screenshot(page, 'followup-result.png', { fullPage: true });

  // The server stored what was typed, the confirmation included.
  const list = await stack.rpc(page, 'smd.v1.FollowUpService/ListFollowUps', { patientId });
  const v = list.followups[0];
  assert.equal(v.form.riskLevel, 4);
  assert.deepEqual(v.form.visitDate, { year: +visitDate.slice(0, 4), month: +visitDate.slice(5, 7), day: +visitDate.slice(8) });
  assert.equal(v.form.medications[0].outOfRangeConfirmed, true);
  assert.equal(v.form.medications[0].confirmReason, '专科医生医嘱加量');
  assert.equal(v.form.behaviour.selfHarm, 1);
  // The 表8 option fields are enums since issue 14 (JSON prints their names).
  assert.deepEqual(v.form.social, { selfCare: 'RATING_GOOD', housework: 'RATING_FAIR', work: 'RATING_NOT_APPLICABLE', study: 'RATING_GOOD', social: 'RATING_POOR' });
});

test('a correction makes version 2; the history shows it with the old version and the reason', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patientId}/followups`);
  const row = page.locator(`tr.visit[data-visit-date="${visitDate}"]`);
  await row.waitFor();
  await row.locator('[data-test^=correct-]').click();
  await page.locator('[data-test=correct-about]').waitFor();
  await expectFocus('correction-reason');
  await page.keyboard.type('纸质表危险性应为3级');
  await page.locator('[data-test=risk] [data-value="3"]').click();
  await page.keyboard.press('Enter');
  await page.locator('[data-test=result]').waitFor();
  assert.match(await page.locator('.result-title').innerText(), /已更正（第2版）/);
  assert.equal(await page.locator('[data-test=result-class]').innerText(), '不稳定');
  assert.equal(await page.locator('[data-test=result-risk]').innerText(), '3级');

  await page.locator('[data-test=to-history]').click();
  await row.waitFor();
  assert.match(await row.locator('[data-test=visit-version]').innerText(), /第2版[\s\S]*已更正/);
  assert.equal(await row.locator('[data-test=visit-risk]').innerText(), '3级');
  assert.match(await page.locator('[data-test=correction-reason]').first().innerText(), /纸质表危险性应为3级/);
  await row.locator('[data-test^=versions-]').click();
  const old = page.locator('[data-test=old-version-1]');
  await old.waitFor();
  assert.match(await old.innerText(), /第1版（已被取代）/);
  assert.equal(await old.locator('[data-test=old-risk]').innerText(), '4级');
});

test('a failed visit (失访): the server refuses a future date at the field, then it saves with its reason', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patientId}/followups/new`);
  await page.waitForFunction(() => document.activeElement?.closest('[data-test]')?.getAttribute('data-test') === 'visit-date');
  await page.keyboard.press('Control+a');
  await page.keyboard.type(addDays(today, 1));
  await tabTo('mode', '3'); // 电话
  await tabTo('outcome', '2'); // 失访
  await page.locator('[data-test=failed-section]').waitFor();
  assert.equal(await page.locator('[data-test=risk]').count(), 0, 'no assessment on a failed visit');
  assert.equal(await page.locator('[data-test=subjects]').count(), 0);
  await tabTo('lost-reason', '1'); // 外出打工
  await page.keyboard.press('Enter');
  const dateItem = page.locator('[data-field=visit_date] .el-form-item__error');
  await dateItem.waitFor();
  assert.match(await dateItem.innerText(), /不能晚于今天/);
  assert.equal(await page.locator('[data-test=result]').count(), 0);

  await page.locator('[data-test=visit-date] input').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.type(today);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.locator('[data-test=result]').waitFor();
  assert.equal(await page.locator('[data-test=result-class]').innerText(), '失访');
  assert.match(await page.locator('[data-test=result-lost-reason]').innerText(), /外出打工/);
  const list = await stack.rpc(page, 'smd.v1.FollowUpService/ListFollowUps', { patientId });
  const failed = list.followups.find((f) => f.form.lostReason === 'LOST_REASON_WORKING_AWAY');
  assert.ok(failed, 'the failed visit is stored');
  assert.equal(failed.form.riskLevel, undefined, 'a failed visit carries no risk level (no -1 sentinel)');
});

test('the form refuses to send a visit without a risk level; a hospital-only visit needs none', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patientId}/followups/new`);
  await page.waitForFunction(() => document.activeElement?.closest('[data-test]')?.getAttribute('data-test') === 'visit-date');
  // Count the RecordFollowUp calls the page makes.
  let sent = 0;
  const onRequest = (r) => { if (r.url().includes('RecordFollowUp')) sent++; };
  page.on('request', onRequest);
  await page.locator('[data-test=mode] [data-value="2"]').click();
  await page.locator('[data-test=subjects] [data-value="1"]').click();
  await page.locator('[data-test=save]').click();
  const riskItem = page.locator('[data-field=risk_level] .el-form-item__error');
  await riskItem.waitFor();
  assert.match(await riskItem.innerText(), /必填/);
  assert.equal(sent, 0, 'nothing sent without a risk level');

  // 目前正在住院（未评估）: the same visit saves without one, counts as a valid follow-up.
  await page.locator('[data-test=outcome] [data-value="4"]').click();
  await page.locator('[data-test=hospital-section]').waitFor();
  assert.equal(await page.locator('[data-test=risk]').count(), 0, 'no assessment on a hospital-only visit');
  await page.locator('[data-test=save]').click();
  await page.locator('[data-test=result]').waitFor();
  page.off('request', onRequest);
  assert.equal(sent, 1);
  assert.match(await page.locator('[data-test=result-risk]').innerText(), /未评估/);
  const list = await stack.rpc(page, 'smd.v1.FollowUpService/ListFollowUps', { patientId });
  const hosp = list.followups.find((f) => f.form.hospitalization === 'HOSPITALIZATION_CURRENTLY' && f.form.riskLevel === undefined);
  assert.ok(hosp, 'the hospital-only visit is stored without a risk level');
  assert.equal(hosp.assessment.finalClass ?? 'CLASSIFICATION_NONE', 'CLASSIFICATION_NONE');
  assert.equal(hosp.form.visitDate.day, +today.slice(8));
});

test('leaving a form with unsaved entries asks first', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patientId}/followups/new`);
  await page.waitForFunction(() => document.activeElement?.closest('[data-test]')?.getAttribute('data-test') === 'visit-date');
  await page.keyboard.press('Tab');
  await page.keyboard.press('1');
  // Closing or reloading the tab asks too (beforeunload is cancelled while the form is dirty).
  assert.equal(await page.evaluate(() => {
    const e = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(e);
    return e.defaultPrevented;
  }), true);
  await page.locator('[data-test=patient-name]').click(); // a link inside the app
  const box = page.locator('.el-message-box');
  await box.waitFor();
  assert.match(await box.innerText(), /未保存/);
  await box.locator('button', { hasText: '留在此页' }).click();
  await box.waitFor({ state: 'hidden' });
  assert.match(page.url(), /followups\/new$/);
  assert.equal(await page.locator('[data-test=mode] [aria-checked=true]').getAttribute('data-value'), '1', 'the draft is kept');
  const errors = page.errors.filter((e) => !/Failed to load resource/.test(e));
  assert.deepEqual(errors, []);
});
