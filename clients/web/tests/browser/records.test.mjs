// A doctor's patient pages beyond the visit form, through the real gateway and server: the
// printable medication guidance (one A4 page), the emergency form (表12) and the timeline,
// a referral requested then moved on (表10), a health check, a discharge notice, and the
// care team (a member added, a server refusal at its field, a member ended).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { copyFileSync, writeFileSync } from 'node:fs';
import { startStack, repoRoot } from './harness.mjs';

let stack;
let page;
let patient; // a demo patient of the doctor's street with a valid visit, outside 320106001001
let noVisit; // one without a valid visit (no guidance yet)

/** Beijing date n days ago, "YYYY-MM-DD". */
function beijingDay(daysAgo = 0) {
  return new Date(Date.now() + 8 * 3600e3 - daysAgo * 86400e3).toISOString().slice(0, 10);
}

/** The <input>/<textarea> a data-test names (Element Plus puts it on the input or the root). */
function field(sel) {
  return page.locator(`[data-test="${sel}"], [name="${sel}"]`).locator('xpath=self::input|self::textarea|.//input|.//textarea').first();
}

/** The error text shown at the form item holding data-test=sel. */
function errorAt(sel) {
  return page.locator('.el-form-item', { has: page.locator(`[data-test="${sel}"], [name="${sel}"]`) }).locator('.el-form-item__error').first();
}

async function fillDate(sel, value) {
  const f = field(sel);
  await f.click();
  await f.fill(value);
  await f.press('Tab');
}

before(async () => {
  stack = await startStack({ patients: 40 });
  page = await stack.newPage();
  await page.goto(stack.baseUrl + '/login');
  await stack.login(page, 'doctor');
  const res = await stack.rpc(page, 'smd.v1.PatientService/SearchPatients', { region: '320106001', page: { pageSize: 100 } });
  for (const p of res.patients) {
    if (p.status && p.status !== 'PATIENT_STATUS_ACTIVE') continue;
    try {
      await stack.rpc(page, 'smd.v1.FollowUpService/GetMedicationGuidance', { patientId: p.patientId });
      if (p.details.jurisdiction !== '320106001001') patient ??= p;
    } catch {
      noVisit ??= p; // no valid visit yet
    }
    if (patient && noVisit) break;
  }
  if (!noVisit) {
    // A newly registered patient has no visit (synthetic ID number, tests/support/synthetic-id.sh).
    const idNumber = execFileSync(join(repoRoot, 'tests/support/synthetic-id.sh'), ['19800517', '731'], { encoding: 'utf8' }).trim();
    noVisit = await stack.rpc(page, 'smd.v1.PatientService/RegisterPatient', { details: {
      idNumber, name: '演示新患者', phone: '0000-7650001', address: '南京市鼓楼区演示路901号', jurisdiction: '320106001002',
      guardian: { name: '演示监护人乙', relationship: '母亲', address: '南京市鼓楼区演示路901号', phone: '0000-1230001' },
      consent: true, consentDate: { year: 2026, month: 1, day: 5 }, consentSigner: '监护人',
      diagnosis: 'DIAGNOSIS_SCHIZOPHRENIA', icd10: 'F20.0', diagnosingHospital: '南京市脑科医院',
      diagnosisDate: { year: 2020, month: 5, day: 1 }, onset: { year: 2019 }, pastSymptoms: [1, 3],
      pastLockup: 'LOCKUP_NONE', outpatient: 'OUTPATIENT_CONTINUOUS', economic: 'ECONOMIC_NOT_POOR',
    } });
  }
  assert.ok(patient && noVisit, 'demo patients of street 320106001 with and without a visit');
});
after(async () => { await stack?.stop(); });

test('the guidance page shows the drug and prints on exactly one A4 page', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patient.patientId}/guidance`);
  await page.locator('[data-test=regimen-line]').first().waitFor();
  const drug = await page.locator('[data-test=regimen-line] .drug').first().innerText();
  assert.match(drug, /利培酮|奥氮平/);
  assert.equal((await page.locator('[data-test=sheet-name]').innerText()).trim(), patient.details.name);
  assert.match(await page.locator('[data-test=banner-id]').innerText(), /\*{4}/, 'the ID number is masked');
  assert.ok(await page.locator('[data-test=items] li').count() >= 3, 'the server\'s advice items');

  const pdf = await page.pdf({ format: 'A4', printBackground: false });
  const file = join(stack.work, 'guidance.pdf');
  writeFileSync(file, pdf);
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  assert.match(info, /^Pages:\s+1$/m, info);
  assert.match(info, /Page size:.*\(A4\)/);
  if (process.env.SMD_KEEP_PDF) copyFileSync(file, process.env.SMD_KEEP_PDF); // to look at it by hand
  const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  assert.ok(text.includes(drug.trim()), 'the printed page names the drug');
  assert.ok(text.includes('患者用药指导'));
  assert.ok(!text.includes('退出') && !text.includes('打印'), 'the shell and the page controls are not printed');

  // A patient without a valid visit has no guidance yet: the page says so and offers the form.
  await page.goto(`${stack.baseUrl}/patients/${noVisit.patientId}/guidance`);
  await page.locator('[data-test=no-visit]').waitFor();
  assert.equal(await page.locator('[data-test=sheet]').count(), 0);
  await page.goto(`${stack.baseUrl}/patients/${patient.patientId}/guidance`);
  await page.locator('[data-test=regimen-line]').first().waitFor();

  // The sheet's own language switch.
  await page.locator('[data-test=sheet-lang] label:has-text("English")').click();
  await page.locator('.sheet h1:has-text("Medication guidance")').waitFor();
  assert.deepEqual(page.errors.filter((e) => !/status of 4\d\d/.test(e)), []);
});

test('a 3-drug regimen with a long-acting injection still prints on one A4 page', async () => {
  // Another patient of the street, given a visit with three drugs, intermittent adherence and
  // a mild ADR: the longest advice the server writes (docs/medication.md "Family guidance").
  const res = await stack.rpc(page, 'smd.v1.PatientService/SearchPatients', { region: '320106001', page: { pageSize: 100 } });
  const other = res.patients.find((p) => p.patientId !== patient.patientId && (!p.status || p.status === 'PATIENT_STATUS_ACTIVE'));
  const [y, m, d] = beijingDay(2).split('-').map(Number);
  await stack.rpc(page, 'smd.v1.FollowUpService/RecordFollowUp', {
    patientId: other.patientId,
    form: {
      visitDate: { year: y, month: m, day: d }, mode: 'VISIT_MODE_CLINIC', subjects: [1, 2], riskLevel: 1,
      symptomSeverity: 'SYMPTOM_SEVERITY_RESIDUAL', insight: 'INSIGHT_PARTIAL', sleep: 2, diet: 1,
      social: { selfCare: 1, housework: 2, work: 9, study: 1, social: 2 }, lockup: 'LOCKUP_NONE',
      hospitalization: 'HOSPITALIZATION_NEVER', adherence: 'ADHERENCE_INTERMITTENT', adr: 'ADVERSE_REACTION_MILD',
      adrText: '手抖', physical: 'PHYSICAL_ILLNESS_NONE', effect: 'TREATMENT_EFFECT_IMPROVED',
      medications: [
        { drugCode: 'clozapine', morningMg: 100, eveningMg: 200 },
        { drugCode: 'lithium_carbonate', morningMg: 250, noonMg: 250, eveningMg: 250 },
        { drugCode: 'paliperidone_palmitate_1m', longActing: true, intervalWeeks: 4, doseMg: 100 },
      ],
    },
  });
  await page.goto(`${stack.baseUrl}/patients/${other.patientId}/guidance`);
  await page.locator('[data-test=regimen-line]').nth(2).waitFor();
  await page.locator('[data-test=next-injection]').waitFor();
  await stack.screenshot(page, 'guidance.png', { fullPage: true });
  const file = join(stack.work, 'guidance-3.pdf');
  writeFileSync(file, await page.pdf({ format: 'A4', printBackground: false }));
  if (process.env.SMD_KEEP_PDF) copyFileSync(file, process.env.SMD_KEEP_PDF.replace(/\.pdf$/, '-3.pdf'));
  assert.match(execFileSync('pdfinfo', [file], { encoding: 'utf8' }), /^Pages:\s+1$/m);
  const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  for (const name of ['氯氮平', '碳酸锂', '帕利哌酮']) assert.ok(text.includes(name), name);
  assert.match(text, /下次注射日期/);
});

test('an emergency (表12): server errors at the fields, saved with Enter, shown in the timeline', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patient.patientId}/emergency/new`);
  await page.locator('[data-test=emergency-form]').waitFor();
  await page.locator('[data-test=save]').click();
  await errorAt('started-at').waitFor();
  assert.match(await errorAt('started-at').innerText(), /必填/);

  await fillDate('started-at', `${beijingDay(1)} 21:30`);
  await page.locator('[data-test=save]').click();
  await errorAt('place').waitFor();
  assert.match(await errorAt('place').innerText(), /必填|不能为空/);

  // Leaving with unsaved changes asks first.
  await field('place').fill('患者家中');
  await errorAt('place').waitFor({ state: 'hidden' }); // the server's message went with the old value
  await page.locator('[data-test=banner-name]').click();
  await page.locator('.el-message-box').waitFor();
  await page.locator('.el-message-box button:has-text("留在此页")').click();
  assert.match(page.url(), /emergency\/new/);

  await page.locator('[data-test=trigger] label:has-text("危害公共安全")').click();
  await field('measures').fill('劝说安抚，联系家属，民警到场');
  await field('outcome').fill('情绪平稳');
  await stack.screenshot(page, 'emergency-form.png', { fullPage: true });
  await field('place').press('Enter');
  await page.locator('[data-test=saved]').waitFor();
  assert.match(await page.locator('[data-test=alert-raised]').innerText(), /预警/);
  assert.match(await page.locator('[data-test=saved]').innerText(), /患者家中/);

  await page.locator('[data-test=to-timeline]').click();
  await page.waitForURL(/\/timeline$/);
  const entry = page.locator('[data-test=entry][data-kind=emergency]');
  await entry.waitFor();
  assert.match(await entry.innerText(), /应急处置/);
  assert.match(await entry.locator('[data-test=decoded]').innerText(), /危害公共安全/);
  // Newest first by default: the emergency (yesterday) comes before the registration.
  const kinds = await page.locator('[data-test=entry]').evaluateAll((els) => els.map((e) => e.dataset.kind));
  assert.ok(kinds.indexOf('emergency') < kinds.indexOf('register'), kinds.join(','));
  await stack.screenshot(page, 'timeline.png', { fullPage: true });
  await page.locator('[data-test=oldest]').click();
  assert.equal(await page.locator('[data-test=entry]').first().getAttribute('data-kind'), 'register');
  await page.locator('[data-test=newest]').click();

  // A record whose encrypted part no longer decrypts stays on the timeline, flagged.
  stack.sql(`UPDATE emergency SET details_enc = set_byte(details_enc, 20, get_byte(details_enc, 20) # 1)
             WHERE patient_id = '${patient.patientId}'`);
  await page.reload();
  await entry.locator('[data-test=unreadable]').waitFor();
  assert.match(await page.locator('[data-test=unreadable-count]').innerText(), /1 条记录无法解密/);
});

test('a referral (表10) requested, then accepted', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patient.patientId}/referral/new`);
  await page.locator('[data-test=referral-form]').waitFor();
  await field('reason').fill('病情波动，需专科评估');
  await field('department').fill('精神科');
  await page.locator('[data-test=urgent]').click();
  await page.locator('[data-test=save]').click();
  await page.locator('[data-test=saved]').waitFor();
  assert.match(await page.locator('[data-test=saved]').innerText(), /南京市脑科医院/, 'the designated hospital');
  const status = page.locator('[data-test=referral-status]').first();
  await page.locator('[data-test=referral-status]:has-text("已申请")').waitFor();

  await page.locator('[data-test=update-referral]').first().click();
  await page.locator('[data-test=new-status] label:has-text("已接收")').click();
  await field('note').fill('已收治门诊');
  await page.locator('[data-test=save-update]').click();
  await page.locator('[data-test=updated]').waitFor();
  await page.locator('[data-test=referral-status]:has-text("已接收")').waitFor();
  assert.equal((await status.innerText()).trim(), '已接收');
});

test('a health check: consent is required (server message at the field), then saved', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patient.patientId}/health-check/new`);
  await page.locator('[data-test=health-check-form]').waitFor();
  await field('bp-systolic').fill('128');
  await field('bp-diastolic').fill('82');
  await page.locator('[data-test=save]').click();
  await errorAt('consent').waitFor();
  assert.match(await errorAt('consent').innerText(), /同意/);
  await page.locator('[data-test=consent]').click();
  await page.locator('[data-test=consent-by] label:has-text("监护人")').first().click();
  await page.locator('[data-test=ecg] label:has-text("正常")').click();
  await page.locator('[data-test=save]').click();
  await page.locator('[data-test=saved]').waitFor();
  assert.match(await page.locator('[data-test=saved]').innerText(), /心电图：正常/);
});

test('a discharge notice: saved, with the first follow-up due', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patient.patientId}/discharge/new`);
  await page.locator('[data-test=discharge-form]').waitFor();
  await field('hospital').fill('南京市脑科医院');
  await fillDate('admitted-on', beijingDay(30));
  await fillDate('discharged-on', beijingDay(3));
  await page.locator('[data-test=save]').click();
  await page.locator('[data-test=saved]').waitFor();
  const due = new Date(Date.parse(beijingDay(0)) + 14 * 86400e3).toISOString().slice(0, 10);
  assert.match(await page.locator('[data-test=first-due]').innerText(), new RegExp(due));
  await page.locator('[data-test=to-timeline]').click();
  await page.locator('[data-test=entry][data-kind=discharge]').waitFor();
  await page.locator('[data-test=entry][data-kind=health_check]').waitFor();
  await page.locator('[data-test=entry][data-kind=referral]').waitFor();
});

test('the care team: a police officer picked from the eligible list, a guardian, a member ended', async () => {
  await page.goto(`${stack.baseUrl}/patients/${patient.patientId}/team`);
  await page.locator('[data-test=add-member-form]').waitFor();

  async function chooseRole(name) {
    await page.locator('[data-test=team-role]').click();
    await page.locator(`.el-select-dropdown__item:visible:has-text("${name}")`).click();
  }
  // The doctor picks from the accounts the server lists (ListEligibleMembers), never types ids.
  async function chooseUser(name) {
    await page.locator('[data-test=user-id]').click();
    await page.locator(`.el-select-dropdown__item:visible:has-text("${name}")`).first().click();
  }
  await chooseRole('民警');
  await chooseUser('演示公安');
  await page.locator('[data-test=add-member]').click();
  const active = page.locator('[data-test=active-members]');
  await active.locator('tr:has-text("民警")').waitFor();
  // Now on the team: listed, but not to be picked again.
  await chooseRole('民警');
  await page.locator('[data-test=user-id]').click();
  await page.locator('.el-select-dropdown__item.is-disabled:visible:has-text("已在小组")').waitFor();
  await page.keyboard.press('Escape');

  // The demo grid worker's jurisdiction (320106001001) does not cover this patient's
  // community: the server does not offer the account.
  const community = stack.sql(`SELECT jurisdiction FROM patient WHERE id = '${patient.patientId}'`).trim();
  await chooseRole('网格员');
  await page.locator('[data-test=user-id]').click();
  const offered = await page.locator('.el-select-dropdown:visible').innerText();
  if (community !== '320106001001') assert.doesNotMatch(offered, /演示网格员/);
  await page.keyboard.press('Escape');

  await chooseRole('监护人');
  await field('contact-name').fill('演示监护人甲');
  await field('contact-phone').fill('0000-7654321');
  await page.locator('[data-test=add-member]').click();
  await active.locator('tr:has-text("演示监护人甲")').waitFor();
  assert.match(await active.locator('tr:has-text("演示监护人甲")').innerText(), /0000-7654321/);

  await active.locator('tr:has-text("民警") [data-test=end-member]').click();
  await field('end-reason').fill('工作调动');
  await page.locator('[data-test=confirm-end]').click();
  const ended = page.locator('[data-test=ended-members]');
  await ended.locator('tr:has-text("工作调动")').waitFor();
  assert.match(await ended.innerText(), /民警/);
  assert.equal(await active.locator('tr:has-text("民警")').count(), 0);
  await page.locator('.el-overlay-dialog').waitFor({ state: 'hidden' });
  await page.locator('.el-message').first().waitFor({ state: 'detached', timeout: 10000 }).catch(() => {});
  await stack.screenshot(page, 'care-team.png', { fullPage: true });

  // A police officer sees the team but cannot change it (careteam.read only).
  const police = await stack.newPage();
  await police.goto(stack.baseUrl + '/login');
  await stack.login(police, 'police');
  await police.goto(`${stack.baseUrl}/patients/${patient.patientId}/team`);
  await police.locator('[data-test=active-members] tr:has-text("演示监护人甲")').waitFor();
  assert.equal(await police.locator('[data-test=add-member-form]').count(), 0);
  assert.equal(await police.locator('[data-test=end-member]').count(), 0);
  assert.deepEqual(page.errors.filter((e) => !/status of 4\d\d/.test(e)), []);
});
