// Administration and audit through the real gateway and server (issue 13 item 4): the demo
// admin creates a community worker with a temporary password; that user signs in, must
// change the password first, then reaches the home page; the admin disables the user and the
// next sign-in is refused; the demo auditor finds the user's records, with the browser's
// address "via" the gateway, filters by method and outcome on the server (the rows shown are
// exactly the database's), and verifies the chain: intact. The admin filters users by role,
// status and name on the server, reads the drug catalogue and the server's rule set.
// Screenshots admin-users.png, audit.png, admin-drugs.png and admin-rules.png (1366x768).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './harness.mjs';

let stack;
before(async () => { stack = await startStack({ patients: 6 }); });
after(async () => { await stack?.stop(); });

const VIEW = { viewport: { width: 1366, height: 768 } };
const USERNAME = 'cw_browser01';
const NEW_PASSWORD = 'Worker-new-pass-2026';

/** Picks an option of an Element Plus select by its visible text. */
async function choose(page, selectTest, text) {
  await page.locator(`[data-test=${selectTest}]`).click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
}

/** Picks an option of a filterable select by typing its text first (long lists scroll). */
async function chooseTyped(page, selectTest, text) {
  await page.locator(`[data-test=${selectTest}]`).click();
  await page.keyboard.type(text);
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
}

/** Waits until the texts of `selector` are exactly `want`, in order. */
async function waitTexts(page, selector, want) {
  try {
    await page.waitForFunction(([sel, w]) => JSON.stringify([...document.querySelectorAll(sel)].map((e) => e.textContent.trim())) === JSON.stringify(w),
      [selector, want], { timeout: 15000 });
  } catch (e) {
    const got = (await page.locator(selector).allInnerTexts()).map((x) => x.trim());
    assert.deepEqual(got, want, `${selector}: ${e.message}`);
  }
}

/** Picks a region in the open tree-select by its exact name. */
async function pickRegion(page, name) {
  await page.locator('.el-tree-select__popper:visible').getByText(name, { exact: true }).click();
}

test('admin creates a user; forced password change; disable refuses sign-in; auditor verifies', async () => {
  // --- the admin lands on the user list ---------------------------------------------------
  const admin = await stack.newPage(VIEW);
  await stack.login(admin, 'admin');
  await admin.waitForURL(/\/admin\/users$/);
  await admin.locator('[data-test=username]', { hasText: /^doctor$/ }).waitFor();

  // A weak typed password: the server's message appears at the password field.
  await admin.locator('[data-test=new-user]').click();
  const dialog = admin.locator('[data-test=create-dialog]');
  await admin.locator('[data-test=new-username]').fill(USERNAME);
  await admin.locator('[data-test=new-display-name]').fill('测试社区工作者');
  await choose(admin, 'new-role', '社区工作者');
  await admin.locator('.el-select[data-test=new-jurisdiction]').click();
  await admin.locator('.el-select[data-test=new-jurisdiction] input').fill('320106001001');
  await pickRegion(admin, '宁海路街道演示第一社区');
  await admin.locator('[data-test=new-password-mode] label', { hasText: '手工输入' }).click();
  await admin.locator('[data-test=new-password]').fill('short');
  await admin.locator('[data-test=create-submit]').click();
  const pwError = dialog.locator('.el-form-item.is-error .el-form-item__error');
  await pwError.waitFor();
  assert.match(await pwError.innerText(), /密码/);

  // Generated instead: created, the password shown once.
  await admin.locator('[data-test=new-password-mode] label', { hasText: '自动生成' }).click();
  await admin.locator('[data-test=create-submit]').click();
  await admin.locator('[data-test=shown-password]').waitFor();
  const temp = (await admin.locator('[data-test=shown-password]').innerText()).trim();
  assert.match(temp, /^[A-Za-z0-9]{12}$/);
  assert.equal((await admin.locator('[data-test=shown-username]').innerText()).trim(), USERNAME);
  await admin.locator('[data-test=password-done]').click();
  await admin.locator('[data-test=password-dialog]').waitFor({ state: 'hidden' });
  const row = admin.locator('.el-table__row', { has: admin.locator('[data-test=username]', { hasText: USERNAME }) });
  await row.waitFor();
  assert.match(await row.innerText(), /社区工作者/);
  assert.match(await row.innerText(), /宁海路街道演示第一社区 \(320106001001\)/);
  assert.match(await row.innerText(), /待改密码/);
  const stored = stack.sql(`SELECT role, jurisdiction, must_change_password FROM app_user WHERE username = '${USERNAME}'`).trim();
  assert.match(stored, /^(community_worker|5)\|320106001001\|t$/);

  // The same user name again: the server's ALREADY_EXISTS at the user-name field.
  await admin.locator('[data-test=new-user]').click();
  await admin.locator('[data-test=new-username]').fill(USERNAME);
  await admin.locator('[data-test=new-display-name]').fill('重复');
  await admin.locator('.el-select[data-test=new-jurisdiction]').click();
  await admin.locator('.el-select[data-test=new-jurisdiction] input').fill('320106001');
  await pickRegion(admin, '宁海路街道');
  await admin.locator('[data-test=create-submit]').click();
  await dialog.locator('.el-form-item__error', { hasText: '用户名已存在' }).waitFor();
  await dialog.locator('.el-dialog__headerbtn').click();
  await dialog.waitFor({ state: 'hidden' });
  await stack.screenshot(admin, 'admin-users.png');

  // --- the new user: a forced change, then home ------------------------------------------
  const user = await stack.newPage(VIEW);
  await stack.login(user, USERNAME, temp);
  await user.waitForURL(/\/account\/password/);
  await user.locator('[data-test=forced-change]').waitFor();
  await user.locator('[data-test=old-password]').fill(temp);
  await user.locator('[data-test=new-password]').fill(NEW_PASSWORD);
  await user.locator('[data-test=repeat-password]').fill(NEW_PASSWORD);
  await user.locator('[data-test=change-password]').click();
  await user.locator('[data-test=password-changed]').waitFor();
  await stack.login(user, USERNAME, NEW_PASSWORD);
  await user.waitForURL((u) => u.pathname === '/');
  await user.locator('[data-test=who]').waitFor();
  assert.match(await user.locator('.page').first().innerText(), /测试社区工作者/);

  // --- the admin disables the user; the next sign-in is refused ---------------------------
  await admin.locator('[data-test=reload]').click();
  await row.locator('[data-test=disable]').click();
  await admin.locator('.el-message-box__btns .el-button--primary').click();
  await row.locator('[data-test=status]', { hasText: '已停用' }).waitFor();
  assert.equal(stack.sql(`SELECT disabled FROM app_user WHERE username = '${USERNAME}'`).trim(), 't');

  const again = await stack.newPage(VIEW);
  await again.goto(stack.baseUrl + '/login');
  await again.locator('input[name=username]').fill(USERNAME);
  await again.locator('input[name=password]').fill(NEW_PASSWORD);
  await again.locator('[data-test=login]').click();
  await again.locator('[data-test=login-error]').waitFor();
  assert.match(await again.locator('[data-test=login-error]').innerText(), /用户名或密码错误/);
  assert.match(again.url(), /\/login/);

  // --- the auditor: the user's records, the browser's address via the gateway, verify ------
  const auditor = await stack.newPage(VIEW);
  await stack.login(auditor, 'auditor');
  await auditor.waitForURL(/\/audit$/);
  await auditor.locator('[data-test=row-method]').first().waitFor();
  await auditor.locator('[data-test=f-user]').fill(USERNAME);
  await choose(auditor, 'f-method', '/smd.v1.AuthService/ChangePassword');
  await auditor.locator('[data-test=search]').click();
  const changes = stack.sql(`SELECT request_id FROM audit_log WHERE username = '${USERNAME}' AND method = '/smd.v1.AuthService/ChangePassword' ORDER BY id DESC`)
    .trim().split('\n').filter(Boolean);
  assert.ok(changes.length >= 1);
  await waitTexts(auditor, '[data-test=row-request]', changes);
  const users = await auditor.locator('[data-test=row-user]').allInnerTexts();
  const methods = await auditor.locator('[data-test=row-method]').allInnerTexts();
  assert.ok(users.length >= 1 && users.every((u) => u.trim() === USERNAME), `rows of ${USERNAME} only: ${users}`);
  assert.ok(methods.every((m) => m.includes('ChangePassword')), `ChangePassword only: ${methods}`);
  assert.match(await auditor.locator('[data-test=row-outcome]').first().innerText(), /OK/);
  if (stack.trustedGateway) {
    assert.match(await auditor.locator('[data-test=row-peer]').first().innerText(), / via /);
  }

  // Every record of the user by its user id: the sign-ins, the change, and the sign-in
  // refused after the disable (it names the user).
  await auditor.locator('[data-test=row-user]').first().click();
  await auditor.waitForFunction(() => document.querySelector('[data-test=f-user] input, input[data-test=f-user]')?.value?.length === 36);
  await auditor.locator('[data-test=f-method]').hover();
  await auditor.locator('[data-test=f-method] .el-select__clear').click();
  await auditor.locator('[data-test=search]').click();
  await auditor.waitForFunction(() => [...document.querySelectorAll('[data-test=row-method]')].some((e) => e.textContent.includes('/Login')));
  // At least the first sign-in, the change, the sign-in after it and the refused one, and
  // exactly the database's rows of that user.
  const all = await auditor.locator('[data-test=row-user]').allInnerTexts();
  const dbRows = stack.sql(`SELECT count(*) FROM audit_log WHERE username = '${USERNAME}'`).trim();
  assert.ok(all.length >= 4 && all.every((u) => u.trim() === USERNAME), `the user's records: ${all}`);
  assert.equal(String(all.length), dbRows, 'every record of the user, as in the database');
  const outcomes = await auditor.locator('[data-test=row-outcome]').allInnerTexts();
  assert.equal(outcomes[0].trim(), 'UNAUTHENTICATED', 'newest first: the refused sign-in');

  // Method and outcome on the server: the admin's refused CreateUser calls (the weak password
  // and the taken user name above), exactly the database's rows, newest first.
  await auditor.locator('[data-test=f-user]').fill('');
  await choose(auditor, 'f-method', '/smd.v1.AdminService/CreateUser');
  await choose(auditor, 'f-outcome', '全部失败');
  await auditor.locator('[data-test=search]').click();
  const want = stack.sql(`SELECT request_id FROM audit_log WHERE method = '/smd.v1.AdminService/CreateUser' AND outcome <> 'OK' ORDER BY id DESC`)
    .trim().split('\n').filter(Boolean);
  assert.ok(want.length >= 2, `refused CreateUser calls: ${want}`);
  await waitTexts(auditor, '[data-test=row-request]', want);
  assert.match(await auditor.locator('[data-test=audit-count]').innerText(), new RegExp(`共 ${want.length} 条`));
  const failed = (await auditor.locator('[data-test=row-outcome]').allInnerTexts()).map((x) => x.trim());
  assert.ok(failed.includes('INVALID_ARGUMENT') && failed.includes('ALREADY_EXISTS'), `outcomes: ${failed}`);
  // One status: only the taken user name.
  await chooseTyped(auditor, 'f-outcome', 'ALREADY_EXISTS');
  await auditor.locator('[data-test=search]').click();
  const taken = stack.sql(`SELECT request_id FROM audit_log WHERE method = '/smd.v1.AdminService/CreateUser' AND outcome = 'ALREADY_EXISTS' ORDER BY id DESC`)
    .trim().split('\n').filter(Boolean);
  await waitTexts(auditor, '[data-test=row-request]', taken);
  // Sign-ins refused (any user): a method with many rows, still only the matching ones.
  await chooseTyped(auditor, 'f-method', '/smd.v1.AuthService/Login');
  await chooseTyped(auditor, 'f-outcome', 'UNAUTHENTICATED');
  await auditor.locator('[data-test=search]').click();
  const refused = stack.sql(`SELECT request_id FROM audit_log WHERE method = '/smd.v1.AuthService/Login' AND outcome = 'UNAUTHENTICATED' ORDER BY id DESC LIMIT 50`)
    .trim().split('\n').filter(Boolean);
  await waitTexts(auditor, '[data-test=row-request]', refused);
  const loginRows = (await auditor.locator('[data-test=row-method]').allInnerTexts());
  assert.ok(loginRows.every((m) => m.includes('AuthService/Login')), `Login only: ${loginRows}`);
  assert.ok((await auditor.locator('[data-test=row-outcome]').allInnerTexts()).every((o) => o.trim() === 'UNAUTHENTICATED'));

  await auditor.locator('[data-test=verify]').click();
  await auditor.locator('[data-test=verify-result]').waitFor();
  assert.match(await auditor.locator('[data-test=verify-result]').innerText(), /审计链完整/);
  assert.match(await auditor.locator('[data-test=verify-anchored]').innerText(), /已比对/);
  await auditor.mouse.move(0, 700); // no tooltip over the page
  await stack.screenshot(auditor, 'audit.png');

  // No script error on any page (the refused calls above log their HTTP status, expectedly).
  for (const p of [admin, user, again, auditor]) {
    assert.deepEqual(p.errors.filter((e) => !/^Failed to load resource: the server responded with a status of (400|401|409)/.test(e)), []);
  }
});

test('regions: rename with the server\'s check, a year\'s population; reset password; assign role', async () => {
  const admin = await stack.newPage(VIEW);
  await stack.login(admin, 'admin');
  await admin.goto(stack.baseUrl + '/admin/regions');
  await admin.locator('[data-test=region-320106001]').click();
  await admin.locator('[data-test=region-name]').fill('');
  await admin.locator('[data-test=region-save]').click();
  const nameError = admin.locator('[data-test=region-detail] .el-form-item__error');
  await nameError.waitFor();
  assert.match(await nameError.innerText(), /必填|名称/, 'the server\'s message at the name field');
  await admin.locator('[data-test=region-name]').fill('宁海路街道（测试）');
  await admin.locator('[data-test=region-save]').click();
  await admin.locator('[data-test=region-320106001]', { hasText: '宁海路街道（测试）' }).waitFor();
  assert.equal(stack.sql(`SELECT name FROM region WHERE code = '320106001'`).trim(), '宁海路街道（测试）');

  const year = new Date().getFullYear() - 1;
  // el-input-number takes a typed value on change (blur).
  await admin.locator('[data-test=pop-year] input').fill(String(year));
  await admin.locator('[data-test=pop-year] input').press('Tab');
  await admin.locator('[data-test=pop-residents] input').fill('72500');
  await admin.locator('[data-test=pop-residents] input').press('Tab');
  await admin.locator('[data-test=pop-save]').click();
  await admin.locator('[data-test=population] .el-table__row', { hasText: String(year) }).filter({ hasText: '72,500' }).waitFor();
  assert.equal(stack.sql(`SELECT residents FROM region_population WHERE code = '320106001' AND year = ${year}`).trim(), '72500');

  // Reset the demo community worker's password: shown once, a change required.
  await admin.goto(stack.baseUrl + '/admin/users');
  const row = admin.locator('.el-table__row', { has: admin.locator('[data-test=username]', { hasText: /^worker$/ }) });
  await row.locator('[data-test=reset]').click();
  await admin.locator('[data-test=reset-submit]').click();
  await admin.locator('[data-test=shown-password]').waitFor();
  assert.match((await admin.locator('[data-test=shown-password]').innerText()).trim(), /^[A-Za-z0-9]{12}$/);
  await admin.locator('[data-test=password-done]').click();
  await row.locator('[data-test=status]', { hasText: '待改密码' }).waitFor();

  // Move the worker to another community.
  await row.locator('[data-test=assign]').click();
  await admin.locator('.el-select[data-test=assign-jurisdiction]').click();
  await admin.locator('.el-select[data-test=assign-jurisdiction] input').fill('320106002002');
  await pickRegion(admin, '华侨路街道演示第二社区');
  await admin.locator('[data-test=assign-submit]').click();
  await admin.locator('[data-test=assign-dialog]').waitFor({ state: 'hidden' });
  await row.getByText('华侨路街道演示第二社区 (320106002002)').waitFor();
  assert.equal(stack.sql(`SELECT jurisdiction FROM app_user WHERE username = 'worker'`).trim(), '320106002002');

  // The admin's own row offers no actions (the server refuses them on oneself).
  const self = admin.locator('.el-table__row', { has: admin.locator('[data-test=username]', { hasText: /^admin$/ }) });
  assert.equal(await self.locator('[data-test=disable]').count(), 0);
});

test('users filtered on the server; drug catalogue and rule set for the admin', async () => {
  const admin = await stack.newPage(VIEW);
  await stack.login(admin, 'admin');
  await admin.waitForURL(/\/admin\/users$/);
  await admin.locator('[data-test=username]', { hasText: /^doctor$/ }).waitFor();
  const db = (where) => stack.sql(`SELECT username FROM app_user WHERE jurisdiction LIKE '320106%' AND (${where}) ORDER BY username`)
    .trim().split('\n').filter(Boolean);

  // By role: the police officers only, as the database has them.
  await choose(admin, 'filter-role', '公安');
  const police = db('role = 3');
  await waitTexts(admin, '[data-test=username]', police);
  assert.match(await admin.locator('[data-test=count]').innerText(), new RegExp(`共 ${police.length} 个用户`));
  // By status (any role): the disabled ones; by a part of the name: "doc".
  await choose(admin, 'filter-role', '全部角色');
  await choose(admin, 'filter-status', '已停用');
  const disabled = db('disabled');
  assert.ok(disabled.length >= 1, 'the first test disabled a user');
  await waitTexts(admin, '[data-test=username]', disabled);
  await choose(admin, 'filter-status', '全部状态');
  await admin.locator('[data-test=filter-q]').fill('DOC');
  const docs = db(`username LIKE '%doc%' OR lower(display_name) LIKE '%doc%'`);
  await waitTexts(admin, '[data-test=username]', docs);

  // The drug catalogue: every active entry.
  await admin.goto(stack.baseUrl + '/admin/drugs');
  await admin.locator('[data-test=drugs] .el-table__row').first().waitFor();
  const drugs = stack.sql('SELECT count(*) FROM drug_catalogue WHERE active').trim();
  assert.equal(String(await admin.locator('[data-test=drugs] .el-table__row').count()), drugs);
  assert.match(await admin.locator('[data-test=drugs]').innerText(), /mg/);
  await stack.screenshot(admin, 'admin-drugs.png');

  // The rule set the server runs with, every option with its value and meaning.
  await admin.goto(stack.baseUrl + '/admin/rules');
  await admin.locator('[data-test=rule-set-name]').waitFor();
  assert.equal((await admin.locator('[data-test=rule-set-name]').innerText()).trim(), 'jiangsu-2018');
  assert.match(await admin.locator('[data-test=server-version]').innerText(), /^\d+\.\d+\.\d+/);
  const names = (await admin.locator('[data-test=option-name]').allInnerTexts()).map((x) => x.trim());
  const values = (await admin.locator('[data-test=option-value]').allInnerTexts()).map((x) => x.trim());
  assert.deepEqual(Object.fromEntries(names.map((n, k) => [n, values[k]])), {
    'partial-insight-stable': 'false', 'any-adr-unstable': 'false',
    'review-not-stable': 'refer-2-weeks', 'first-visit-days': '14',
    standardized: 'r1', medication: 'last-visit',
    'unstable-interval-days': '14', 'basic-review-days': '14', 'stable-interval-months': '3',
  });
  assert.match(await admin.locator('[data-test=rule-options]').innerText(), /不稳定：14 天内再随访/);
  assert.match(await admin.locator('[data-test=alert-settings]').innerText(), /30 分钟/);
  await stack.screenshot(admin, 'admin-rules.png');
  assert.deepEqual(admin.errors, []);

  // A doctor reads the catalogue too; the rule set is not in a doctor's navigation.
  const doctor = await stack.newPage(VIEW);
  await stack.login(doctor, 'doctor');
  await doctor.goto(stack.baseUrl + '/admin/drugs');
  await doctor.locator('[data-test=drugs] .el-table__row').first().waitFor();
  assert.equal(String(await doctor.locator('[data-test=drugs] .el-table__row').count()), drugs);
  // The rule set is the administrators' (rules.read): the route sends a doctor home.
  await doctor.goto(stack.baseUrl + '/admin/rules');
  await doctor.waitForURL((u) => !u.pathname.startsWith('/admin/rules'));
  assert.deepEqual(doctor.errors, []);
});
