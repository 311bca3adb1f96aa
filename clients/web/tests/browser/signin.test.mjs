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
