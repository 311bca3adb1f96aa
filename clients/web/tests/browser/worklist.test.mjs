// The doctor's worklists through the real gateway and server: sign-in lands on them, the
// overdue list puts the most overdue unstable patient first (checked against the database,
// not against the API the page uses), the community filter narrows the list, the CSV
// export starts with a UTF-8 BOM, saved filters come back after a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startStack } from './harness.mjs';

let stack;
let page;
const STREET = '320106001'; // the demo doctor's jurisdiction

before(async () => {
  stack = await startStack({ patients: 60 });
  // Two active patients of the doctor's street become unstable and overdue by 10 and 4
  // days (their schedule rows are what the worklist reads), and one stable patient is
  // more overdue than both: urgency must still put the unstable ones first.
  const ids = stack.sql(`SELECT p.id FROM patient p JOIN patient_schedule s ON s.patient_id = p.id
    WHERE p.status = 1 AND p.jurisdiction LIKE '${STREET}%' ORDER BY p.id LIMIT 3`).trim().split('\n');
  assert.equal(ids.length, 3, 'the demo data has three patients in the doctor\'s street');
  const today = `(now() AT TIME ZONE 'Asia/Shanghai')::date`;
  stack.sql(`UPDATE patient_schedule SET last_class = 1, next_due = ${today} - 10 WHERE patient_id = '${ids[0]}';
    UPDATE patient_schedule SET last_class = 1, next_due = ${today} - 4 WHERE patient_id = '${ids[1]}';
    UPDATE patient_schedule SET last_class = 3, next_due = ${today} - 40 WHERE patient_id = '${ids[2]}';
    UPDATE patient SET classification = 1 WHERE id IN ('${ids[0]}', '${ids[1]}')`);
});
after(async () => { await stack?.stop(); });

function overdueInDb(prefix) {
  return stack.sql(`SELECT p.id || '|' || s.last_class || '|' || s.next_due FROM patient_schedule s
    JOIN patient p ON p.id = s.patient_id
    WHERE p.status = 1 AND p.jurisdiction LIKE '${prefix}%'
      AND s.next_due < (now() AT TIME ZONE 'Asia/Shanghai')::date`).trim().split('\n').filter(Boolean)
    .map((l) => { const [id, cls, due] = l.split('|'); return { id, cls: Number(cls), due }; });
}

async function rows() {
  await page.locator('[data-test=worklist] .el-loading-mask').waitFor({ state: 'detached' }).catch(() => {});
  return page.locator('[data-test=worklist] .el-table__body-wrapper tbody tr');
}

test('the doctor signs in and lands on the worklist', async () => {
  page = await stack.newPage();
  await page.goto(stack.baseUrl + '/');
  await stack.login(page, 'doctor');
  await page.waitForURL(/\/worklist/);
  await page.locator('[data-test=worklist] tbody tr').first().waitFor();
});

test('the first overdue row is the most overdue unstable patient', async () => {
  const all = overdueInDb(STREET);
  const unstable = all.filter((r) => r.cls === 1).sort((a, b) => a.due.localeCompare(b.due));
  assert.ok(unstable.length >= 2);
  const earliest = unstable[0];
  const stableWorse = all.find((r) => r.cls !== 1 && r.due < earliest.due);
  assert.ok(stableWorse, 'a non-unstable patient is more overdue (the order is by urgency first)');

  const r = await rows();
  await r.first().waitFor();
  assert.equal(await r.count(), all.length, 'every overdue patient of the street is listed');
  const first = r.first();
  assert.equal(await first.locator('[data-test=class]').innerText(), '不稳定');
  assert.equal(await first.locator('[data-test=next-due]').innerText(), earliest.due);
  assert.match(await first.locator('[data-test=due]').innerText(), /^逾期 10 天$/);
  assert.equal(await r.nth(1).locator('[data-test=class]').innerText(), '不稳定');
  // The row opens that patient's record.
  await first.locator('[data-test=name]').click();
  await page.waitForURL(new RegExp(`/patients/${earliest.id}$`));
  await page.goBack();
  await page.waitForURL(/\/worklist/);
});

test('filtering by community narrows the list', async () => {
  const community = stack.sql(`SELECT jurisdiction FROM patient p JOIN patient_schedule s ON s.patient_id = p.id
    WHERE p.status = 1 AND p.jurisdiction LIKE '${STREET}%' AND s.next_due < (now() AT TIME ZONE 'Asia/Shanghai')::date
    GROUP BY jurisdiction ORDER BY count(*) LIMIT 1`).trim();
  const name = stack.sql(`SELECT name FROM region WHERE code = '${community}'`).trim();
  const expected = overdueInDb(community).length;
  assert.ok(expected > 0 && expected < overdueInDb(STREET).length);

  await page.locator('[data-test=region] input').click();
  await page.locator('[data-test=region] input').fill(name);
  await page.locator('.el-cascader__suggestion-item', { hasText: name }).first().click();
  await page.waitForURL(new RegExp(`region=${community}`));
  await page.waitForFunction((n) => document.querySelectorAll('[data-test=worklist] tbody tr').length === n, expected);
  const shown = await page.locator('[data-test=worklist] [data-test=community]').allInnerTexts();
  assert.equal(shown.length, expected);
  for (const c of shown) assert.match(c, new RegExp(name));
});

test('a saved filter comes back after a reload and holds no patient data', async () => {
  await page.locator('[data-test=save-filter]').click();
  const box = page.locator('.el-message-box');
  await box.locator('input').fill('我的社区逾期');
  await box.locator('.el-button--primary').click();
  await page.goto(stack.baseUrl + '/worklist');
  await page.locator('[data-test=worklist] tbody tr').first().waitFor();
  await page.locator('[data-test=saved]').click();
  await page.locator('.el-select-dropdown__item', { hasText: '我的社区逾期' }).click();
  await page.waitForURL(/region=\d{12}/);
  const stored = await page.evaluate(() => JSON.stringify(localStorage));
  assert.match(stored, /我的社区逾期/);
  assert.doesNotMatch(stored, /演示患者/, 'no patient names in localStorage');
  for (const id of stack.sql('SELECT id FROM patient').trim().split('\n')) {
    assert.ok(!stored.includes(id), 'no patient ids in localStorage');
  }
});

test('the CSV export downloads every row with a UTF-8 BOM', async () => {
  await page.goto(stack.baseUrl + '/worklist?kind=1');
  await page.locator('[data-test=worklist] tbody tr').first().waitFor();
  const names = await page.locator('[data-test=worklist] [data-test=name]').allInnerTexts();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-test=export]').click(),
  ]);
  assert.match(download.suggestedFilename(), /^工作清单-逾期未随访-\d{4}-\d{2}-\d{2}\.csv$/);
  const bytes = readFileSync(await download.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the BOM');
  const lines = bytes.toString('utf8').slice(1).trim().split('\r\n');
  assert.match(lines[0], /^姓名,社区,危险性,分类,应随访日期,逾期,末次随访,原因$/);
  assert.equal(lines.length - 1, names.length);
  assert.ok(lines[1].startsWith(names[0] + ','));
});

test('other lists, English, and a screenshot', async () => {
  await page.locator('[data-test=kind] label', { hasText: '近期应随访' }).click();
  await page.waitForURL(/kind=2&days=7/);
  await page.locator('[data-test=days]').waitFor();
  await page.locator('[data-test=kind] label', { hasText: '逾期未随访' }).click();
  await page.waitForURL(/kind=1/);
  await (await rows()).first().waitFor();
  await page.evaluate(() => document.fonts.ready);
  await stack.screenshot(page, 'worklist.png');
  await page.locator('[data-test=lang]').click();
  await page.locator('h1', { hasText: 'Worklists' }).waitFor();
  assert.match(await page.locator('[data-test=worklist] [data-test=due]').first().innerText(), /days overdue/);
  await page.locator('[data-test=lang]').click();
  assert.deepEqual(page.errors, []);
});
