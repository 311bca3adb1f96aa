// Sign-in through the real gateway and server: the doctor signs in and out; the session
// token is never visible to the page's scripts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './harness.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.stop(); });

test('the doctor signs in; no token in document.cookie or localStorage', async () => {
  const page = await stack.newPage();
  await page.goto(stack.baseUrl + '/');
  await page.waitForURL(/\/login/);
  await stack.login(page, 'doctor');
  await page.locator('[data-test=who]').waitFor();
  const seen = await page.evaluate(() => ({
    cookie: document.cookie,
    local: JSON.stringify(localStorage),
    session: JSON.stringify(sessionStorage),
  }));
  assert.doesNotMatch(seen.cookie, /smd_session/);
  assert.match(seen.cookie, /smd_signed_in=1/, 'the readable marker, which holds no secret');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === '__Host-smd_session');
  assert.ok(session, 'the gateway set the session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.secure, true);
  assert.equal(session.sameSite, 'Strict');
  assert.ok(!seen.local.includes(session.value) && !seen.session.includes(session.value),
    'the token is not in web storage');
  assert.deepEqual(page.errors, []);
});

test('a wrong password is refused with the server\'s message', async () => {
  const page = await stack.newPage();
  await page.goto(stack.baseUrl + '/login');
  await page.locator('input[name=username]').fill('doctor');
  await page.locator('input[name=password]').fill('wrong-password-1');
  await page.locator('[data-test=login]').click();
  await page.locator('[data-test=login-error]').waitFor();
  assert.match(await page.locator('[data-test=login-error]').innerText(), /用户名或密码|密码/);
});

test('the login page switches to English, and the server\'s message follows', async () => {
  const page = await stack.newPage();
  await page.goto(stack.baseUrl + '/login');
  await page.locator('[data-test=lang]').click();
  await page.locator('[data-test=login]', { hasText: 'Sign in' }).waitFor();
  await page.locator('input[name=username]').fill('worker');
  await page.locator('input[name=password]').fill('wrong-password-1');
  await page.locator('[data-test=login]').click();
  await page.locator('[data-test=login-error]').waitFor();
  assert.doesNotMatch(await page.locator('[data-test=login-error]').innerText(), /[\u4e00-\u9fff]/, 'English only');
  await page.locator('[data-test=lang]').click();
  await page.locator('[data-test=login]', { hasText: '登录' }).waitFor();
});

test('after repeated wrong passwords the server\'s lock-out message is shown', async () => {
  const page = await stack.newPage();
  await page.goto(stack.baseUrl + '/login');
  let text = '';
  for (let i = 0; i < 7 && !/锁定/.test(text); i++) {
    await page.locator('input[name=username]').fill('worker');
    await page.locator('input[name=password]').fill(`wrong-password-${i}`);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/smd.v1.AuthService/Login')),
      page.locator('[data-test=login]').click(),
    ]);
    assert.notEqual(res.status(), 200);
    await page.locator('[data-test=login-error]').waitFor();
    text = await page.locator('[data-test=login-error]').innerText();
  }
  assert.match(text, /账户因多次密码错误已临时锁定，请稍后再试/);
  // Locked whatever the password: the right one is refused with the same message.
  await page.locator('input[name=password]').fill('Demo-worker-2026');
  await page.locator('[data-test=login]').click();
  await page.waitForFunction(() => /锁定/.test(document.querySelector('[data-test=login-error]')?.textContent ?? ''));
  assert.match(page.url(), /\/login/);
});

test('password change: the server\'s messages at their fields, then the new password works', async () => {
  const page = await stack.newPage();
  await page.goto(stack.baseUrl + '/login');
  await stack.login(page, 'grid');
  await page.goto(stack.baseUrl + '/account/password');
  const err = (name) => page.locator('.el-form-item', { has: page.locator(`[data-test=${name}]`) }).locator('.el-form-item__error');
  await page.locator('[data-test=old-password]').fill('Demo-grid-2026');
  await page.locator('[data-test=new-password]').fill('short');
  await page.locator('[data-test=repeat-password]').fill('shorter');
  await page.locator('[data-test=change-password]').click();
  assert.match(await err('repeat-password').innerText(), /不一致/);
  await page.locator('[data-test=repeat-password]').fill('short');
  await page.locator('[data-test=change-password]').click();
  await err('new-password').waitFor();
  assert.match(await err('new-password').innerText(), /至少10位/);
  await page.locator('[data-test=old-password]').fill('not-my-password-1');
  await page.locator('[data-test=new-password]').fill('New-grid-pass-2026');
  await page.locator('[data-test=repeat-password]').fill('New-grid-pass-2026');
  await page.locator('[data-test=change-password]').click();
  await err('old-password').waitFor();
  assert.match(await err('old-password').innerText(), /原密码错误/);
  await page.locator('[data-test=old-password]').fill('Demo-grid-2026');
  await page.locator('[data-test=change-password]').click();
  // The server ends every session of the user: sign in again with the new password.
  await page.waitForURL((u) => u.pathname === '/login');
  await page.locator('[data-test=password-changed]').waitFor();
  await page.locator('input[name=username]').fill('grid');
  await page.locator('input[name=password]').fill('Demo-grid-2026');
  await page.locator('[data-test=login]').click();
  await page.locator('[data-test=login-error]').waitFor();
  await stack.login(page, 'grid', 'New-grid-pass-2026');
  await page.locator('[data-test=who]').waitFor();
});

test('a forced password change: nothing else opens until it is changed', async () => {
  const page = await stack.newPage();
  await page.goto(stack.baseUrl + '/login');
  await stack.login(page, 'doctor2');
  await page.waitForURL(/\/worklist/);
  // The server in forced mode answers every other call FAILED_PRECONDITION (auth.proto);
  // stand in for it on one call until the password is changed.
  await page.route('**/smd.v1.FollowUpService/ListWorklist', (route) => route.fulfill({
    status: 400, contentType: 'application/json',
    body: JSON.stringify({ code: 'failed_precondition', message: '须先修改密码 (password change required)' }),
  }));
  await page.goto(stack.baseUrl + '/worklist?kind=1');
  await page.waitForURL((u) => u.pathname === '/account/password');
  await page.locator('[data-test=forced-change]').waitFor();
  assert.equal(await page.locator('[data-test=forced-logout]').count(), 1);
  await page.locator('.shell-nav .el-menu-item', { hasText: '患者' }).click();
  // A refused navigation changes nothing to wait for: let the router run, two frames.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(new URL(page.url()).pathname, '/account/password', 'other pages stay closed');
  await page.unroute('**/smd.v1.FollowUpService/ListWorklist');
  await page.locator('[data-test=old-password]').fill('Demo-doctor2-2026');
  await page.locator('[data-test=new-password]').fill('New-doctor2-pass-2026');
  await page.locator('[data-test=repeat-password]').fill('New-doctor2-pass-2026');
  await page.locator('[data-test=change-password]').click();
  await page.waitForURL((u) => u.pathname === '/login');
  await stack.login(page, 'doctor2', 'New-doctor2-pass-2026');
  await page.waitForURL((u) => u.pathname === '/worklist' && u.searchParams.get('kind') === '1');
  await page.locator('[data-test=worklist] tbody tr').first().waitFor();
});
