// The health committee's dashboard through the real gateway and server, as the demo analyst
// (卫健委, district 320106): sign-in lands on /dashboard; every card shows the same
// numerator, denominator and value as GetMetrics for the same region and period (asked from
// the same page); the chart draws under the gateway's CSP with no console error; the XLSX
// download, read back with exceljs, holds the same numbers; the CSV starts with a UTF-8 BOM;
// a request for patient names is refused (PERMISSION_DENIED) and the page shows none of the
// names a psychiatrist of the district is given for the same rate; the psychiatrist's
// drill-down lists them, each linking to the record; the print view is the indicator table;
// the tree switches to a street
// and 指派 opens the patient's team page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { startStack } from './harness.mjs';

const DISTRICT = '320106';
let stack;
let page;
let period; // { year, month } as the page's URL has it
let doc; // the psychiatrist's page

before(async () => {
  stack = await startStack({ patients: 40 });
});
after(async () => { await stack?.stop(); });

function expectedValue(v) {
  if (!v.available) return '无数据';
  const x = v.value ?? 0;
  if (v.unit === 'min') return `${x.toFixed(1)} 分钟`;
  return `${x.toFixed(v.unit === '‰' ? 2 : 1)}${v.unit}`;
}

async function reportShown() {
  await page.locator('[data-test=card-management_rate]').waitFor();
  await page.locator('[data-test=report] .el-loading-mask').waitFor({ state: 'hidden' }).catch(() => {});
}

test('the analyst lands on the district dashboard', async () => {
  page = await stack.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(stack.baseUrl + '/');
  await stack.login(page, 'analyst');
  await page.waitForURL(/\/dashboard/);
  await reportShown();
  assert.equal(await page.locator('.report-head .code').innerText(), DISTRICT, 'the analyst\'s jurisdiction by default');
  const u = new URL(page.url());
  assert.equal(u.searchParams.get('region'), DISTRICT);
  assert.equal(u.searchParams.get('mode'), 'month');
  period = { year: Number(u.searchParams.get('year')), month: Number(u.searchParams.get('month')) };
  assert.ok(period.year >= 2024 && period.month >= 1 && period.month <= 12);
});

test('every card shows the figures GetMetrics gives for the same period', async () => {
  const r = await stack.rpc(page, 'smd.v1.MetricsService/GetMetrics', { region: DISTRICT, period });
  const inds = r.region.indicators;
  assert.ok(inds.length >= 17, `the catalogue has every indicator (${inds.length})`);
  assert.equal(await page.locator('[data-test^=card-]').count(), inds.length);
  assert.equal(await page.locator('[data-test=rule-set]').innerText(), r.ruleSet);
  for (const v of inds) {
    const card = page.locator(`[data-test=card-${v.code}]`);
    assert.equal(await card.locator('[data-test=numerator]').innerText(), String(v.numerator ?? 0), `${v.code} numerator`);
    assert.equal(await card.locator('[data-test=denominator]').innerText(), String(v.denominator ?? 0), `${v.code} denominator`);
    assert.equal(await card.locator('[data-test=value]').innerText(), expectedValue(v), `${v.code} value`);
    if (v.hasTarget && v.available) {
      assert.equal(await card.locator('[data-test=verdict]').innerText(), v.met ? '达标' : '未达标', `${v.code} met`);
    }
  }
  // The rule-set variant of 规范管理率 is shown (jiangsu-2018: R1).
  const variant = await page.locator('[data-test=card-standardized_management_rate] [data-test=variant]').innerText();
  assert.match(variant, r.ruleSet === 'national-2018' ? /R2/ : /R1/);
});

// issue 14: the national figures (R2, 服药 by any record) beside the Jiangsu ones, per call.
test('the variant switch shows the national figures of the same period', async () => {
  await page.locator('[data-test=variant-national]').click();
  await page.waitForURL(/variant=national/);
  const r = await stack.rpc(page, 'smd.v1.MetricsService/GetMetrics', {
    region: DISTRICT, period, variant: { standardized: 'STANDARDIZED_RULE_R2', medication: 'MEDICATION_RULE_ANY_RECORD' },
  });
  assert.equal(r.ruleSet, 'national-2018');
  await page.locator('[data-test=rule-set]', { hasText: 'national-2018' }).waitFor();
  await reportShown();
  for (const code of ['standardized_management_rate', 'medication_rate']) {
    const v = r.region.indicators.find((i) => i.code === code);
    const card = page.locator(`[data-test=card-${code}]`);
    assert.equal(await card.locator('[data-test=numerator]').innerText(), String(v.numerator ?? 0), `${code} numerator`);
  }
  assert.match(await page.locator('[data-test=card-standardized_management_rate] [data-test=variant]').innerText(), /R2/);
  // Back to the deployment's rules (jiangsu-2018 in the demo).
  await page.locator('[data-test=variant-server]').click();
  await page.locator('[data-test=rule-set]', { hasText: 'jiangsu-2018' }).waitFor();
  await reportShown();
});

test('the charts draw', async () => {
  for (const box of ['chart-children', 'chart-trend']) {
    const canvas = page.locator(`[data-test=${box}] canvas`).first();
    await canvas.waitFor();
    const size = await canvas.boundingBox();
    assert.ok(size && size.width > 100 && size.height > 100, `${box} has a drawn canvas (${JSON.stringify(size)})`);
  }
  // The bar chart has one bar per street of the district.
  const r = await stack.rpc(page, 'smd.v1.MetricsService/GetMetrics', { region: DISTRICT, period });
  assert.ok(r.children.length >= 2);
});

test('the XLSX export holds the same numbers and the CSV has a BOM', async () => {
  const r = await stack.rpc(page, 'smd.v1.MetricsService/GetMetrics', { region: DISTRICT, period });
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=export-xlsx]').click()]);
  assert.match(dl.suggestedFilename(), /\.xlsx$/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(readFileSync(await dl.path()));
  const ws = wb.getWorksheet('指标');
  const header = ws.getRow(1).values.slice(1);
  assert.deepEqual(header.slice(0, 7), ['地区代码', '地区', '指标代码', '指标', '分子', '分母', '值']);
  const rows = new Map();
  ws.eachRow((row, n) => { if (n > 1) rows.set(`${row.getCell(1).value}|${row.getCell(3).value}`, row); });
  for (const g of [r.region, ...r.children]) {
    for (const v of g.indicators) {
      const row = rows.get(`${g.region}|${v.code}`);
      assert.ok(row, `a row for ${g.region} ${v.code}`);
      assert.equal(row.getCell(5).value, Number(v.numerator ?? 0), `${g.region} ${v.code} numerator`);
      assert.equal(row.getCell(6).value, Number(v.denominator ?? 0), `${g.region} ${v.code} denominator`);
      if (v.available) {
        const digits = v.unit === '‰' ? 2 : 1;
        assert.equal(row.getCell(7).value, Math.round((v.value ?? 0) * 10 ** digits) / 10 ** digits, `${g.region} ${v.code} value`);
      } else {
        assert.ok(!row.getCell(7).value, `${g.region} ${v.code} has no value`);
      }
    }
  }

  const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=export-csv]').click()]);
  const bytes = readFileSync(await csv.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV starts with a UTF-8 BOM');
  assert.match(bytes.toString('utf8'), /在册患者管理率/);
});

test('patient names are refused to the analyst and none reach the page', async () => {
  const ask = { region: DISTRICT, period, indicator: 'standardized_management_rate', missing: true, page: { pageSize: 200 } };
  await assert.rejects(stack.rpc(page, 'smd.v1.MetricsService/ListMetricPatients', ask), /HTTP 403.*permission_denied/s);

  // A psychiatrist of the same district is given the names for the same rate.
  doc = await stack.newPage({ viewport: { width: 1366, height: 768 } });
  await doc.goto(stack.baseUrl + '/');
  await stack.login(doc, 'psychiatrist');
  const named = await stack.rpc(doc, 'smd.v1.MetricsService/ListMetricPatients', ask);
  const names = (named.patients ?? []).map((p) => p.name).filter(Boolean);
  assert.ok(names.length > 0, 'the demo district has patients missing from the rate');

  await page.locator('[data-test=card-standardized_management_rate]').click();
  await page.locator('[data-test=drill-load]').click();
  const err = page.locator('[data-test=drill-error]');
  await err.waitFor();
  assert.match(await err.innerText(), /只能查看汇总数据/);
  assert.equal(await page.locator('[data-test=drill-name]').count(), 0);
  const text = await page.locator('body').innerText();
  for (const n of names) assert.ok(!text.includes(n), 'no patient name on the analyst\'s page');

  // The psychiatrist's drill-down lists the patients and why, each linking to the record.
  {
    await doc.goto(`${stack.baseUrl}/dashboard?region=${DISTRICT}&mode=month&year=${period.year}&month=${period.month}&indicator=standardized_management_rate`);
    await doc.locator('[data-test=drill-load]').click();
    const link = doc.locator('[data-test=drill-name]').first();
    await link.waitFor();
    assert.equal(await doc.locator('[data-test=drill-name]').count(), named.patients.length);
    assert.equal(await link.getAttribute('href'), `/patients/${named.patients[0].patientId}`);
    assert.ok(names.includes(await link.innerText()));
  }
});

test('the region tree switches to a street; screenshot; no console errors', async () => {
  await page.locator('[data-test=card-management_rate]').click();
  await page.locator('[data-test=chart-trend] canvas').waitFor();
  await page.locator('[data-test=region-name]').scrollIntoViewIfNeeded();
  await page.evaluate(() => { for (const e of document.querySelectorAll('.shell-main, html')) e.scrollTop = 0; });
  await stack.screenshot(page, 'dashboard.png');

  // The monthly report prints as a table of the district's indicators, without tree or toolbar.
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.locator('table.print-table').isVisible());
  assert.equal(await page.locator('table.print-table tbody tr').count(), await page.locator('[data-test^=card-]').count());
  assert.ok(!(await page.locator('[data-test=region-tree]').isVisible()));
  await page.emulateMedia({ media: 'screen' });

  const street = page.locator('.tree-node[data-code="320106001"]');
  await page.locator('.tree-node[data-code="320106"]').waitFor();
  if (!(await street.isVisible())) await page.locator('.el-tree-node__expand-icon').first().click();
  await street.click();
  await page.waitForURL(/region=320106001/);
  await page.waitForFunction(() => document.querySelector('.report-head .code')?.textContent === '320106001');
  const r = await stack.rpc(page, 'smd.v1.MetricsService/GetMetrics', { region: '320106001', period });
  assert.equal(await page.locator('[data-test=region-name]').innerText(), r.region.name);
  await reportShown();
  assert.equal(await page.locator('[data-test=card-management_rate] [data-test=numerator]').innerText(),
    String(r.region.indicators.find((v) => v.code === 'management_rate').numerator ?? 0));

  // The one expected console line is the browser's note on the refused (403) drill-down.
  const errors = page.errors.filter((e) => !/status of 403/.test(e));
  assert.deepEqual(errors, []);
});

