// The service network (issue 14 point 5) through the real gateway and server, as the demo
// analyst (卫健委, district 320106): the dashboard shows the network rates under their own
// heading 服务网络; the analyst adds a counselling room for a community on /network, and the
// dashboard's 社区心理咨询室建成率 goes from 0 to 1 of the district's 39 communities; a bad
// entry shows the server's message at its field; the room is closed; a doctor reads the
// registry without the edit buttons.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './harness.mjs';

const DISTRICT = '320106';
const CODE = 'net_community_counselling';
let stack;
let page;
let year;

before(async () => { stack = await startStack({ patients: 4 }); });
after(async () => { await stack?.stop(); });

/** Picks an option of an Element Plus select by its visible text. */
async function choose(selectTest, text) {
  await page.locator(`[data-test=${selectTest}]`).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
}

async function dashboardCard() {
  await page.goto(`${stack.baseUrl}/dashboard?region=${DISTRICT}&mode=year&year=${year}`);
  const card = page.locator(`[data-test=card-${CODE}]`);
  await card.waitFor();
  await page.locator('[data-test=report] .el-loading-mask').waitFor({ state: 'hidden' }).catch(() => {});
  return card;
}

test('the dashboard shows the service network under its own heading', async () => {
  page = await stack.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(stack.baseUrl + '/');
  await stack.login(page, 'analyst');
  await page.waitForURL(/\/dashboard.*year=\d{4}/);
  year = Number(new URL(page.url()).searchParams.get('year'));
  const card = await dashboardCard();
  assert.equal(await page.locator('[data-test=group-network]').innerText().then((s) => s.split('\n')[0].trim().slice(0, 4)), '服务网络');
  assert.equal(await card.locator('[data-test=numerator]').innerText(), '0');
  assert.equal(await card.locator('[data-test=denominator]').innerText(), '39');
  assert.equal(await card.locator('[data-test=value]').innerText(), '0.0%');
  // The year's target from the plan (80 % from 2024 on).
  assert.match(await card.locator('[data-test=target]').innerText(), /≥ 80%/);
  // Every net_* indicator of GetMetrics is a card in the network section.
  const r = await stack.rpc(page, 'smd.v1.MetricsService/GetMetrics', { region: DISTRICT, period: { year } });
  const net = r.region.indicators.filter((i) => i.code.startsWith('net_'));
  assert.ok(net.length >= 9, `network indicators (${net.length})`);
  assert.equal(await page.locator('[data-test=cards-network] [data-test^=card-]').count(), net.length);
});

test('the committee adds a counselling room and the dashboard figure changes', async () => {
  await page.goto(stack.baseUrl + '/network');
  await page.locator('[data-test=sites-table]').waitFor();
  await page.locator('[data-test=add-site]').click();
  const dialog = page.locator('[data-test=site-dialog]');
  await dialog.locator('[data-test=site-name]').waitFor();
  // Refused first: no region (the server names the field; the message shows at it).
  await dialog.locator('[data-test=site-name]').fill('宁海路第一社区心理咨询室');
  await dialog.locator('[data-test=site-save]').click();
  const regionItem = dialog.locator('.el-form-item', { has: page.locator('[data-test=site-region]') });
  await regionItem.locator('.el-form-item__error', { hasText: '必填' }).waitFor();
  await choose('site-region', '320106001001');
  await stack.screenshot(page, 'network-add-site.png');
  await dialog.locator('[data-test=site-save]').click();
  await dialog.waitFor({ state: 'hidden' });
  const row = page.locator('[data-test=sites-table] .el-table__row', { hasText: '宁海路第一社区心理咨询室' });
  await row.waitFor();
  assert.equal(await row.locator('[data-test=site-status]').innerText(), '运行');
  await stack.screenshot(page, 'network-sites.png');

  const card = await dashboardCard();
  assert.equal(await card.locator('[data-test=numerator]').innerText(), '1');
  assert.equal(await card.locator('[data-test=value]').innerText(), '2.6%');
  await page.locator('[data-test=group-network]').scrollIntoViewIfNeeded();
  await stack.screenshot(page, 'network-dashboard.png');
});

test('the room is closed today and leaves the count as of today', async () => {
  await page.goto(stack.baseUrl + '/network');
  const row = page.locator('[data-test=sites-table] .el-table__row', { hasText: '宁海路第一社区心理咨询室' });
  await row.waitFor();
  await row.locator('[data-test=status-site]').click();
  const dialog = page.locator('[data-test=status-dialog]');
  await dialog.getByText('撤销（不可恢复）').click();
  await dialog.locator('[data-test=status-save]').click();
  await dialog.waitFor({ state: 'hidden' });
  await row.locator('[data-test=site-status]', { hasText: '撤销' }).waitFor();
  const r = await stack.rpc(page, 'smd.v1.MetricsService/GetMetrics', { region: DISTRICT, period: { year } });
  const v = r.region.indicators.find((i) => i.code === CODE);
  assert.equal(Number(v.numerator ?? 0), 0, 'closed today: not active at the end of the year');
});

test('a doctor reads the registry without edit buttons', async () => {
  const doc = await stack.newPage({ viewport: { width: 1366, height: 768 } });
  await doc.goto(stack.baseUrl + '/');
  await stack.login(doc, 'doctor');
  await doc.goto(stack.baseUrl + '/network');
  await doc.locator('[data-test=sites-table] .el-table__row', { hasText: '宁海路第一社区心理咨询室' }).waitFor();
  assert.equal(await doc.locator('[data-test=add-site]').count(), 0);
  assert.equal(await doc.locator('[data-test=edit-site]').count(), 0);
  await doc.close();
});
