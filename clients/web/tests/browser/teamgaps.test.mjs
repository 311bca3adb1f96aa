// Care-team coverage: the doctor's list of patients who need a team (不稳定 or risk >= 3) and
// lack a required member, and the way from a row to assigning the missing member.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startStack, repoRoot } from './harness.mjs';

/** Beijing date today as a smd.v1.Date. */
function today() {
  const [year, month, day] = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10).split('-').map(Number);
  return { year, month, day };
}

let stack;
before(async () => { stack = await startStack({ patients: 40 }); });
after(async () => { await stack?.stop(); });

test('the team-gaps list matches the server, and assigning a police officer closes that gap', async () => {
  const page = await stack.newPage();
  await stack.login(page, 'doctor');
  // A patient of the police officer's street who turns risk 3 at a visit and has no team yet:
  // a gap (synthetic ID number, tests/support/synthetic-id.sh).
  const idNumber = execFileSync(join(repoRoot, 'tests/support/synthetic-id.sh'), ['19790412', '733'], { encoding: 'utf8' }).trim();
  const registered = await stack.rpc(page, 'smd.v1.PatientService/RegisterPatient', { details: {
    idNumber, name: '演示缺口患者', phone: '0000-7650002', address: '南京市鼓楼区演示路902号', jurisdiction: '320106001002',
    guardian: { name: '演示监护人丙', relationship: '父亲', address: '南京市鼓楼区演示路902号', phone: '0000-1230002' },
    consent: true, consentDate: { year: 2026, month: 1, day: 5 }, consentSigner: '监护人',
    diagnosis: 'DIAGNOSIS_SCHIZOPHRENIA', icd10: 'F20.0', diagnosingHospital: '南京市脑科医院',
    diagnosisDate: { year: 2020, month: 5, day: 1 }, onset: { year: 2019 }, pastSymptoms: [1, 3],
    pastLockup: 'LOCKUP_NONE', outpatient: 'OUTPATIENT_CONTINUOUS', economic: 'ECONOMIC_NOT_POOR',
  } });
  await stack.rpc(page, 'smd.v1.FollowUpService/RecordFollowUp', {
    patientId: registered.patientId,
    form: {
      visitDate: today(), mode: 'VISIT_MODE_CLINIC', subjects: [1, 2], riskLevel: 3,
      symptomSeverity: 'SYMPTOM_SEVERITY_MARKED', insight: 'INSIGHT_PARTIAL', sleep: 2, diet: 1,
      social: { selfCare: 1, housework: 2, work: 9, study: 1, social: 2 }, lockup: 'LOCKUP_NONE',
      hospitalization: 'HOSPITALIZATION_NEVER', adherence: 'ADHERENCE_REGULAR', adr: 'ADVERSE_REACTION_NONE',
      physical: 'PHYSICAL_ILLNESS_NONE', effect: 'TREATMENT_EFFECT_UNCHANGED',
      medications: [{ drugCode: 'risperidone', morningMg: 2, eveningMg: 2 }],
    },
  });

  await page.goto(stack.baseUrl + '/team-gaps');
  const rows = page.locator('[data-test=gaps] tbody tr');
  const want = await stack.rpc(page, 'smd.v1.CareTeamService/ListTeamGaps', { page: { pageSize: 50 } });
  assert.ok((want.gaps ?? []).length > 0, 'the demo data has patients without a full team');
  await rows.first().waitFor();
  assert.equal(await rows.count(), want.gaps.length);
  const names = await page.locator('[data-test=gaps] [data-test=name]').allInnerTexts();
  assert.deepEqual(names, want.gaps.map((g) => g.name));

  // A patient of the police officer's street (320106001) who lacks a police officer.
  const gap = want.gaps.find((g) => g.patientId === registered.patientId);
  assert.ok(gap, 'a gap the demo police officer can fill');
  const row = rows.filter({ hasText: gap.name });
  assert.match(await row.innerText(), /民警/);
  await row.locator('[data-test=assign]').click();
  await page.waitForURL(`**/patients/${gap.patientId}/team`);
  await page.locator('[data-test=team-role]').click();
  await page.locator('.el-select-dropdown__item:visible:has-text("民警")').click();
  await page.locator('[data-test=user-id]').click();
  await page.locator('.el-select-dropdown__item:visible:has-text("演示公安")').first().click();
  await page.locator('[data-test=add-member]').click();
  await page.locator('[data-test=active-members] tr:has-text("民警")').waitFor();

  await page.goto(stack.baseUrl + '/team-gaps');
  await rows.first().waitFor();
  const after = rows.filter({ hasText: gap.name });
  if (await after.count()) assert.doesNotMatch(await after.innerText(), /民警/);
  await stack.screenshot(page, 'team-gaps.png');
  assert.deepEqual(page.errors, []);
});
