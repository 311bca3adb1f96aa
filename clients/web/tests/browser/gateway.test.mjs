// The gateway in front of the real smd-server (docs/web.md "Security model"): what a
// browser page may do, what a forged or malformed request gets (a clear Connect error,
// and nothing reaches smd-server: no new audit row), the security headers under which the
// pages run without a console error, sign-out, cancellation of a stream, and an
// smd-server that is down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import { startStack, readTls } from './harness.mjs';

let stack;
let page;
/** The doctor's session cookie, as the browser holds it. */
let cookie = '';

before(async () => {
  stack = await startStack({ patients: 20 });
  page = await stack.newPage();
  await stack.login(page, 'doctor');
  await page.locator('[data-test=who]').waitFor();
  const c = (await page.context().cookies()).find((x) => x.name === '__Host-smd_session');
  cookie = `${c.name}=${c.value}`;
});
after(async () => { await stack?.stop(); });

/** One request over HTTP/2 to the gateway, from outside any browser (headers as given). */
function send(method, path, headers = {}, body = '') {
  return new Promise((ok, fail) => {
    const session = http2.connect(stack.baseUrl, { ca: readTls(stack, 'ca.pem') });
    session.on('error', fail);
    const req = session.request({ ':method': method, ':path': path, ...headers }, { endStream: !body });
    let status = 0;
    let head = {};
    const chunks = [];
    req.on('response', (h) => { status = Number(h[':status']); head = h; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      session.close();
      const text = Buffer.concat(chunks).toString();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      ok({ status, headers: head, text, json });
    });
    req.on('error', fail);
    if (body) req.end(body);
  });
}

/** The headers the page's own calls carry, with the doctor's cookie. */
function pageHeaders(extra = {}) {
  return {
    'content-type': 'application/json', 'connect-protocol-version': '1', 'x-smd-csrf': '1',
    origin: stack.baseUrl, cookie, ...extra,
  };
}

const auditRows = () => Number(stack.sql('select count(*) from audit_log').trim());

test('forged, cross-site and malformed calls are refused with a Connect error and reach nothing', async () => {
  const id = stack.sql("select id from patient where jurisdiction like '320106001%' limit 1").trim();
  assert.ok(id, 'a demo patient in the doctor\'s street');
  const get = JSON.stringify({ patientId: id });

  // A control: the same call with everything in order reaches smd-server and is audited.
  const rowsBefore = auditRows();
  const ok = await send('POST', '/smd.v1.PatientService/GetPatient', pageHeaders(), get);
  assert.equal(ok.status, 200, ok.text);
  for (let i = 0; i < 50 && auditRows() === rowsBefore; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(auditRows() > rowsBefore, 'a real call leaves an audit row, so a refused one would show');

  const rows = auditRows();
  const cases = [
    ['no CSRF header (a state change: Logout)', 'POST', '/smd.v1.AuthService/Logout',
      pageHeaders({ 'x-smd-csrf': undefined }), '{}', 403, 'permission_denied', /x-smd-csrf/],
    ['another Origin', 'POST', '/smd.v1.AuthService/Logout',
      pageHeaders({ origin: 'https://evil.example' }), '{}', 403, 'permission_denied', /来源不允许/],
    ['no Origin', 'POST', '/smd.v1.PatientService/GetPatient',
      pageHeaders({ origin: undefined }), get, 403, 'permission_denied', /origin not allowed/],
    ['GET of an RPC', 'GET', `/smd.v1.PatientService/GetPatient?encoding=json&message=${encodeURIComponent(get)}`,
      pageHeaders(), '', 405, 'unimplemented', /POST/],
    ['PUT of an RPC', 'PUT', '/smd.v1.AuthService/Logout', pageHeaders(), '{}', 405, 'unimplemented', /POST/],
    ['no connect-protocol-version', 'POST', '/smd.v1.AuthService/Logout',
      pageHeaders({ 'connect-protocol-version': undefined }), '{}', 400, 'invalid_argument', /connect-protocol-version/],
    ['gRPC from a browser', 'POST', '/smd.v1.AuthService/Logout',
      pageHeaders({ 'content-type': 'application/grpc-web+proto' }), '', 415, 'invalid_argument', /Connect/],
    ['an oversized body', 'POST', '/smd.v1.PatientService/GetPatient',
      pageHeaders(), JSON.stringify({ patientId: 'x'.repeat(5 * 1024 * 1024) }), 429, 'resource_exhausted', /4194304/],
    ['an unknown method', 'POST', '/smd.v1.PatientService/DropAllPatients',
      pageHeaders(), '{}', 404, 'unimplemented', /no such method/],
    ['an unknown service', 'POST', '/smd.v9.Nothing/Here', pageHeaders(), '{}', 404, 'unimplemented', /没有这个方法/],
    ['bad JSON', 'POST', '/smd.v1.PatientService/GetPatient', pageHeaders(), '{"patientId":', 400, 'invalid_argument', /./],
    ['bad binary (the fast path)', 'POST', '/smd.v1.PatientService/GetPatient',
      pageHeaders({ 'content-type': 'application/proto' }), Buffer.from([0xff, 0xff, 0xff]), 400, 'invalid_argument',
      /^请求无法解码 \(request body is not a valid smd\.v1\.GetPatientRequest\)$/],
  ];
  for (const [what, method, path, headers, body, status, code, message] of cases) {
    for (const k of Object.keys(headers)) if (headers[k] === undefined) delete headers[k];
    const r = await send(method, path, headers, body);
    assert.equal(r.status, status, `${what}: ${r.text}`);
    assert.equal(r.json?.code, code, `${what}: ${r.text}`);
    assert.match(r.json.message, message, what);
    assert.equal(r.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", `${what}: API headers on errors too`);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
    assert.equal(r.headers['cache-control'], 'no-store', what);
  }
  // Give the audit writer the time a real call needed, then count again.
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(auditRows(), rows, 'no refused request reached smd-server');
  // The refused Logouts did not sign the doctor out.
  const who = await send('POST', '/smd.v1.AuthService/WhoAmI', pageHeaders(), '{}');
  assert.equal(who.status, 200, who.text);
  assert.equal(who.json.username, 'doctor');
});

test('a malformed address or cookie never takes the gateway down', async () => {
  const bad = await send('GET', '/%E0%A4%A');
  assert.equal(bad.status, 400);
  const junk = await send('POST', '/smd.v1.AuthService/WhoAmI',
    pageHeaders({ cookie: '__Host-smd_session=%%%; ;;=;' }), '{}');
  assert.equal(junk.status, 401, junk.text);
  assert.equal(junk.json.code, 'unauthenticated');
  const again = await send('GET', '/login');
  assert.equal(again.status, 200);
  assert.equal(stack.gateway.exitCode, null);
});

test('pages carry the security headers, come over HTTP/2 and run under the CSP without a console error', async () => {
  for (const path of ['/', '/login', '/worklist']) {
    const r = await send('GET', path, { 'accept-encoding': 'br' });
    assert.equal(r.status, 200, path);
    const h = r.headers;
    assert.match(h['content-security-policy'], /default-src 'self'/, path);
    assert.match(h['content-security-policy'], /frame-ancestors 'none'/, path);
    assert.equal(h['x-content-type-options'], 'nosniff', path);
    assert.equal(h['x-frame-options'], 'DENY', path);
    assert.equal(h['referrer-policy'], 'same-origin', path);
    assert.match(h['strict-transport-security'], /max-age=\d+/, path);
    assert.equal(h['cache-control'], 'no-cache', `${path}: a new build shows at the next load`);
  }
  const index = await send('GET', '/');
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.text)?.[1];
  assert.ok(script, 'index.html loads its script from /assets/');
  const js = await send('GET', script, { 'accept-encoding': 'gzip, br' });
  assert.equal(js.headers['content-encoding'], 'br', 'scripts go compressed (brotli, made once at start)');
  assert.match(js.headers['cache-control'], /immutable/);
  assert.match(js.headers['content-security-policy'], /default-src 'self'/);
  const fresh = await stack.newPage();
  const violations = [];
  await fresh.exposeFunction('smdCspViolation', (d) => violations.push(d));
  await fresh.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.smdCspViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await fresh.goto(stack.baseUrl + '/login');
  await stack.login(fresh, 'doctor');
  await fresh.locator('[data-test=who]').waitFor();
  await fresh.waitForLoadState('networkidle');
  const proto = await fresh.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
  assert.equal(proto, 'h2', 'browsers get HTTP/2 (an open alert stream does not take one of six connections)');
  assert.deepEqual(violations, []);
  assert.deepEqual(fresh.errors, []);
});

test('HTTP/1.1 clients (tools, old proxies) are served too', async () => {
  const call = (method, path, headers, body) => new Promise((ok, fail) => {
    const req = https.request(`${stack.baseUrl}${path}`, { method, headers, ca: readTls(stack, 'ca.pem') }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => ok({ status: res.statusCode, version: res.httpVersion, text }));
    });
    req.on('error', fail);
    req.end(body);
  });
  const pageRes = await call('GET', '/login', {});
  assert.deepEqual([pageRes.status, pageRes.version], [200, '1.1']);
  const who = await call('POST', '/smd.v1.AuthService/WhoAmI', pageHeaders(), '{}');
  assert.equal(who.status, 200, who.text);
  assert.equal(JSON.parse(who.text).username, 'doctor');
});

test('a server stream the page closes is cancelled through the gateway', async () => {
  const seen = await page.evaluate(async () => {
    const ac = new AbortController();
    // The stream stays open (no new alerts come): close it from the page. (The answer's
    // headers may wait for the first message, so the timer starts before the fetch.)
    setTimeout(() => ac.abort(), 1000);
    // One Connect streaming request: a 5-byte envelope header, then the JSON message.
    const msg = new TextEncoder().encode('{}');
    const body = new Uint8Array(5 + msg.length);
    new DataView(body.buffer).setUint32(1, msg.length);
    body.set(msg, 5);
    let res;
    try {
      res = await fetch('/smd.v1.AlertService/SubscribeAlerts', {
        method: 'POST', body, signal: ac.signal,
        headers: { 'content-type': 'application/connect+json', 'connect-protocol-version': '1', 'x-smd-csrf': '1' },
      });
    } catch {
      return { status: 200, ended: 'by the page' };
    }
    const status = res.status;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done } = await reader.read();
        if (done) return { status, ended: 'by the server' };
      }
    } catch {
      return { status, ended: 'by the page' };
    }
  });
  assert.deepEqual(seen, { status: 200, ended: 'by the page' });
  const line = /rpc smd\.v1\.AlertService\/SubscribeAlerts canceled \d+\.\dms/;
  for (let i = 0; i < 50 && !line.test(stack.gatewayLogs.join('')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(stack.gatewayLogs.join(''), line);
});

test('the access log names method, code and time, and no data', async () => {
  const logs = stack.gatewayLogs.join('');
  assert.match(logs, /rpc smd\.v1\.AuthService\/Login ok \d+\.\dms/);
  assert.match(logs, /rpc smd\.v1\.AuthService\/Logout permission_denied /);
  for (const secret of ['Demo-doctor-2026', cookie.split('=')[1], '"username"']) {
    assert.ok(!logs.includes(secret), 'no credentials or bodies in the gateway log');
  }
});

test('signing out clears the cookie and ends the session on the server', async () => {
  const p = await stack.newPage();
  await stack.login(p, 'doctor');
  await p.locator('[data-test=who]').waitFor();
  const before = (await p.context().cookies()).find((c) => c.name === '__Host-smd_session');
  assert.ok(before);
  // The page leaves first, then signs out: wait for the Logout answer and its cookies.
  const loggedOut = p.waitForResponse((r) => r.url().endsWith('/smd.v1.AuthService/Logout'));
  await p.locator('[data-test=logout]').click();
  await p.waitForURL(/\/login/);
  await loggedOut;
  const names = (await p.context().cookies()).map((c) => c.name);
  assert.ok(!names.includes('__Host-smd_session'), 'the session cookie is gone');
  assert.ok(!names.includes('smd_signed_in'), 'and its marker');
  const replay = await send('POST', '/smd.v1.AuthService/WhoAmI',
    pageHeaders({ cookie: `__Host-smd_session=${before.value}` }), '{}');
  assert.equal(replay.json?.code, 'unauthenticated', 'the old token was revoked, not only forgotten');
  assert.deepEqual(p.errors, []);
});

test('the browser\'s address reaches the audit record, beside the gateway\'s', async (t) => {
  if (!stack.trustedGateway) {
    t.skip('this smd-server has no --trusted-gateway');
    return;
  }
  const id = stack.sql("select id from patient where jurisdiction like '320106001%' limit 1").trim();
  const before = Number(stack.sql('select coalesce(max(id), 0) from audit_log').trim());
  // In binary, as the pages send (the gateway's fast path), and in JSON (its generic path).
  const message = Buffer.concat([Buffer.from([0x0a, id.length]), Buffer.from(id)]);  // field 1
  const bin = await send('POST', '/smd.v1.PatientService/GetPatient',
    pageHeaders({ 'content-type': 'application/proto' }), message);
  assert.equal(bin.status, 200, bin.text);
  await stack.rpc(page, 'smd.v1.PatientService/GetPatient', { patientId: id });
  let peers = [];
  for (let i = 0; i < 50; i++) {
    peers = stack.sql(`select peer from audit_log where id > ${before} and username = 'doctor'
      and method like '%GetPatient'`).trim().split('\n').filter(Boolean);
    if (peers.length >= 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(peers.length >= 2, `audit rows of the doctor's GetPatient: ${peers.join(' | ')}`);
  for (const peer of peers) assert.match(peer, /^ipv4:127\.0\.0\.1 via ipv4:127\.0\.0\.1:\d+$/);
});

test('with smd-server down, a call gets UNAVAILABLE in Chinese first and the gateway stays up', async () => {
  stack.server.kill('SIGTERM');
  await new Promise((ok) => stack.server.once('exit', ok));
  const r = await send('POST', '/smd.v1.AuthService/WhoAmI', pageHeaders(), '{}');
  assert.equal(r.json?.code, 'unavailable', r.text);
  assert.match(r.json.message, /^无法连接服务器.*\(cannot reach smd-server/);
  const pageStill = await send('GET', '/login');
  assert.equal(pageStill.status, 200);
  assert.equal(stack.gateway.exitCode, null);
});
