// Community rehabilitation and psychological support (issue 14 point 4), through the real
// gateway and server: a doctor opens a patient's record, records a 阳光心园 session (a server
// refusal shown at its field first), then psychological support to the family, and both
// appear in the timeline; the dashboard shows the two rates with their 70% targets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './harness.mjs';

let stack;
let page;
let patient; // an active demo patient of the doctor's street

function field(sel) {
  return page.locator(`[data-test="${sel}"], [name="${sel}"]`).locator('xpath=self::input|self::textarea|.//input|.//textarea').first();
}

function errorAt(sel) {
  return page.locator('.el-form-item', { has: page.locator(`[data-test="${sel}"], [name="${sel}"]`) }).locator('.el-form-item__error').first();
}

before(async () => {
  stack = await startStack({ patients: 20 });
  page = await stack.newPage();
  await page.goto(stack.baseUrl + '/login');
  await stack.login(page, 'doctor');
  const res = await stack.rpc(page, 'smd.v1.PatientService/SearchPatients', { region: '320106001', page: { pageSize: 50 } });
  patient = res.patients.find((p) => !p.status || p.status === 'PATIENT_STATUS_ACTIVE');
  assert.ok(patient, 'an active demo patient of street 320106001');
});
after(async () => { await stack?.stop(); });

test('a doctor records a 阳光心园 session from the patient record and sees it in the timeline', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patient.patientId}`);
  await page.locator('[data-test=link-rehab]').click();
  await page.locator('[data-test=rehab-form]').waitFor();
  // The place is required: the server's message is shown at the field it names.
  await page.locator('[data-test=save]').click();
  await errorAt('place').waitFor();
  assert.match(await errorAt('place').innerText(), /place|必填|不能为空/);
  await field('place').fill('宁海路街道阳光心园');
  await field('programme').fill('手工小组');
  await field('duration').fill('120');
  await field('run-by').fill('社工 演示');
  await stack.screenshot(page, 'rehab-session-form.png', { fullPage: true });
  await page.locator('[data-test=save]').click();
  await page.locator('[data-test=saved]').waitFor();
  assert.match(await page.locator('[data-test=saved]').innerText(), /阳光心园日间康复/);
  await page.locator('[data-test=to-timeline]').click();
  const entry = page.locator('[data-test=entry][data-kind=rehab_session]');
  await entry.waitFor();
  assert.match(await entry.locator('[data-test=summary]').innerText(), /社区康复：阳光心园日间康复 120分钟/);
  await stack.screenshot(page, 'rehab-timeline.png', { fullPage: true });
});

test('psychological support to the family is recorded and listed', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patient.patientId}/psych-support/new`);
  await page.locator('[data-test=support-form]').waitFor();
  // Nobody chosen: refused at the recipients.
  await page.locator('[data-test=save]').click();
  await errorAt('recipients').waitFor();
  await page.locator('[data-test=recipients] label:has-text("家属")').first().click();
  await field('family-members').fill('母亲');
  await page.locator('[data-test=method] label:has-text("电话")').click();
  await field('note').fill('家属照护压力大，已疏导');
  await stack.screenshot(page, 'rehab-support-form.png', { fullPage: true });
  await page.locator('[data-test=save]').click();
  await page.locator('[data-test=saved]').waitFor();
  assert.match(await page.locator('[data-test=saved]').innerText(), /家属/);
  const list = await stack.rpc(page, 'smd.v1.RehabService/ListRehabRecords', { patientId: patient.patientId });
  const kinds = list.records.map((r) => r.kind);
  assert.ok(kinds.includes('REHAB_RECORD_KIND_SESSION') && kinds.includes('REHAB_RECORD_KIND_SUPPORT'), kinds.join());
  const support = list.records.find((r) => r.kind === 'REHAB_RECORD_KIND_SUPPORT');
  assert.equal(support.support.familyMembers, '母亲');
  await page.goto(`${stack.baseUrl}/patients/${patient.patientId}/timeline`);
  await page.locator('[data-test=entry][data-kind=psych_support]').waitFor();
});

test('the dashboard shows both rates with their 70% targets', async () => {
  await page.goto(`${stack.baseUrl}/dashboard`);
  for (const code of ['community_rehab_rate', 'psych_support_coverage']) {
    const card = page.locator(`[data-test=card-${code}]`);
    await card.waitFor();
    assert.match(await card.locator('[data-test=target]').innerText(), /70/);
  }
});
