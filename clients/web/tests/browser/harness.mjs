// Browser-test harness: a private database, the real smd-server over TLS, the real gateway
// and Debian's headless Chromium driven by playwright-core (never a downloaded browser).
//
// Run under tests/support/with_postgres.sh (PGHOST, PGPORT, SMD_TEST_SUPERUSER set) with
// SMD_SERVER_BIN naming the smd-server binary; ctest does both (tests/CMakeLists.txt, label
// `browser`). Each scenario file calls startStack() once: its own database, ports and
// certificates, so files never share state.
//
//   const stack = await startStack({ patients: 20 });
//   const page = await stack.newPage();
//   await stack.login(page, 'doctor');
//   ...
//   await stack.stop();
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const webRoot = resolve(here, '../..');
export const repoRoot = resolve(webRoot, '../..');

/** The demo users' passwords (server/app/demo_seed.cc). Synthetic, development only. */
export const DEMO_PASSWORDS = {
  admin: 'Demo-admin-2026',
  doctor: 'Demo-doctor-2026',
  doctor2: 'Demo-doctor2-2026',
  psychiatrist: 'Demo-psych-2026',
  police: 'Demo-police-2026',
  grid: 'Demo-grid-2026',
  worker: 'Demo-worker-2026',
  analyst: 'Demo-analyst-2026',
  auditor: 'Demo-auditor-2026',
};

export function chromiumPath() {
  for (const p of [process.env.SMD_CHROMIUM, '/usr/bin/chromium-headless-shell', '/usr/bin/chromium']) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('no Chromium: apt-get install chromium-headless-shell (deploy/install-deps.sh)');
}

async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

function psqlSuper(db, sql) {
  return execFileSync('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-q', '-At', '-U',
    process.env.SMD_TEST_SUPERUSER ?? 'postgres', '-d', db, '-c', sql], { encoding: 'utf8' });
}

function waitForLine(proc, logs, re, what, timeoutMs = 20000) {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not start:\n${logs.join('')}`)), timeoutMs);
    const check = () => {
      if (re.test(logs.join(''))) {
        clearTimeout(timer);
        ok();
      }
    };
    proc.stdout?.on('data', (d) => { logs.push(String(d)); check(); });
    proc.stderr?.on('data', (d) => { logs.push(String(d)); check(); });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited (${code}):\n${logs.join('')}`));
    });
  });
}

/**
 * Starts database, server, gateway and browser. Options: patients (demo patients, default
 * 20), serverArgs (extra smd-server flags). Returns the stack; call stop() at the end.
 */
export async function startStack(opts = {}) {
  const serverBin = process.env.SMD_SERVER_BIN;
  if (!serverBin) throw new Error('SMD_SERVER_BIN is not set (run through ctest)');
  if (!process.env.PGHOST) throw new Error('PGHOST is not set (run under tests/support/with_postgres.sh)');
  const gatewayJs = join(webRoot, 'dist/gateway.mjs');
  if (!existsSync(gatewayJs)) throw new Error('no dist/gateway.mjs: run `npm run build` in clients/web');

  const work = mkdtempSync(join(tmpdir(), 'smd-browser-'));
  const db = 'smd_browser_' + Math.random().toString(36).slice(2, 10);
  psqlSuper('postgres', `CREATE DATABASE ${db} OWNER smd_owner`);
  const base = `host=${process.env.PGHOST} port=${process.env.PGPORT}`;
  const ownerDsn = `${base} user=smd_owner dbname=${db}`;
  const appDsn = `${base} user=smd_app dbname=${db}`;
  const keys = join(work, 'smd.keys');
  execFileSync(serverBin, ['keygen', '--out', keys], { stdio: 'ignore' });
  execFileSync(serverBin, ['migrate', '--database-url', ownerDsn], { stdio: 'ignore' });
  execFileSync('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-q', '-U', process.env.SMD_TEST_SUPERUSER ?? 'postgres',
    '-d', db, '-f', join(repoRoot, 'deploy/postgres/protect-audit.sql')], { stdio: 'ignore' });
  execFileSync(serverBin, ['seed-demo', '--database-url', appDsn, '--key-file', keys,
    '--password-log2-n', '4', '--demo-patients', String(opts.patients ?? 20)], { stdio: 'ignore' });
  const tls = join(work, 'tls');
  execFileSync(join(repoRoot, 'deploy/tls/make-dev-certs.sh'), [tls], { stdio: 'ignore' });

  // The gateway's client certificate (gateway.pem where make-dev-certs issues one). A server
  // that knows --trusted-gateway requires it (mutual TLS) and takes the browser's address
  // from the gateway (docs/security.md "Behind the web gateway"); an older one runs as before.
  const gatewayCert = existsSync(join(tls, 'gateway.pem')) ? 'gateway' : 'client';
  const gatewayName = /(?:^|\n)CN=([^\n]+)/.exec(
    new X509Certificate(readFileSync(join(tls, `${gatewayCert}.pem`))).subject)?.[1];
  const help = spawnSync(serverBin, ['--help'], { encoding: 'utf8' });
  const trustedGateway = `${help.stdout}${help.stderr}`.includes('--trusted-gateway') && !!gatewayName;
  const serverPort = await freePort();
  const serverLogs = [];
  const serverArgv = ['serve', '--listen', `127.0.0.1:${serverPort}`,
    '--database-url', appDsn, '--key-file', keys,
    '--tls-cert', join(tls, 'server.pem'), '--tls-key', join(tls, 'server.key'),
    ...(trustedGateway ? ['--tls-client-ca', join(tls, 'ca.pem'), '--trusted-gateway', gatewayName] : []),
    '--audit-anchor-file', join(work, 'anchor.log'), ...(opts.serverArgs ?? [])];
  let server = spawn(serverBin, serverArgv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let gateway = null;
  let browser = null;
  // A start that fails half-way must not leave its processes behind: the test runner would
  // wait for them forever (until ctest's timeout) instead of reporting the failure.
  const gatewayPort = await freePort();
  const gatewayLogs = [];
  try {
  await waitForLine(server, serverLogs, /listening/, 'smd-server');

  gateway = spawn(process.execPath, [gatewayJs, '--listen', `127.0.0.1:${gatewayPort}`,
    '--tls-cert', join(tls, 'server.pem'), '--tls-key', join(tls, 'server.key'),
    '--upstream', `localhost:${serverPort}`, '--upstream-ca', join(tls, 'ca.pem'),
    '--client-cert', join(tls, `${gatewayCert}.pem`), '--client-key', join(tls, `${gatewayCert}.key`)],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  // The gateway compresses the built pages (brotli at its best) before it listens: about 5 s
  // of CPU, 20 s and more on a loaded 2-core machine.
  await waitForLine(gateway, gatewayLogs, /listening on/, 'gateway', 90_000);

  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', `--ignore-certificate-errors-spki-list`],
  });
  } catch (e) {
    await browser?.close().catch(() => {});
    for (const p of [gateway, server]) if (p && p.exitCode === null) p.kill('SIGKILL');
    throw e;
  }
  const baseUrl = `https://127.0.0.1:${gatewayPort}`;
  const contexts = [];

  const stack = {
    baseUrl, db, work, tls, server, gateway, browser, serverLogs, gatewayLogs,
    /** smd-server honours the gateway's x-forwarded-for (and requires client certificates). */
    trustedGateway, serverPort,
    /**
     * Stops smd-server (SIGTERM) and starts it again on the same port with the same flags,
     * as an upgrade or a crash-restart would; resolves when it listens again.
     */
    async restartServer() {
      if (server.exitCode === null) {
        const gone = new Promise((ok) => server.once('exit', ok));
        server.kill('SIGTERM');
        await gone;
      }
      const logs = [];
      server = spawn(serverBin, serverArgv, { stdio: ['ignore', 'pipe', 'pipe'] });
      stack.server = server;
      await waitForLine(server, logs, /listening/, 'smd-server (restarted)');
      serverLogs.push(...logs);
    },
    /** psql as the superuser on this scenario's database (for test setup and checks). */
    sql: (q) => psqlSuper(db, q),
    /** A new page in a fresh browser context (own cookies), Chinese locale, A4-ish size. */
    async newPage(options = {}) {
      const ctx = await browser.newContext({
        ignoreHTTPSErrors: true, locale: 'zh-CN', viewport: { width: 1366, height: 900 },
        timezoneId: 'Asia/Shanghai', ...options,
      });
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
      return page;
    },
    /** Signs in as a demo user through the login page; waits for the home page. */
    async login(page, user, password = DEMO_PASSWORDS[user]) {
      if (!page.url().includes('/login')) await page.goto(baseUrl + '/login');
      await page.locator('input[name=username]').fill(user);
      await page.locator('input[name=password]').fill(password);
      await page.locator('[data-test=login]').click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    },
    /**
     * Calls an RPC from inside a signed-in page, as the page's own code would (same cookie,
     * CSRF header, Origin), with the Connect protocol's JSON form: for test setup and checks.
     * `method` is "smd.v1.PatientService/SearchPatients"; `body` the request in proto JSON
     * (lowerCamelCase field names). Returns the answer's JSON; throws on an error status.
     */
    async rpc(page, method, body = {}) {
      const r = await page.evaluate(async ([m, b]) => {
        const res = await fetch('/' + m, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'connect-protocol-version': '1', 'x-smd-csrf': '1' },
          body: JSON.stringify(b),
        });
        return { status: res.status, text: await res.text() };
      }, [method, body]);
      if (r.status !== 200) throw new Error(`${method}: HTTP ${r.status} ${r.text}`);
      return JSON.parse(r.text);
    },
    /** Saves a screenshot under docs/images/ (kept true by the tests that take them). */
    async screenshot(page, name, options = {}) {
      const dir = join(repoRoot, 'docs/images');
      mkdirSync(dir, { recursive: true });
      // Let enter transitions (tags zooming in, dialogs fading) finish: a picture taken
      // mid-animation shows half-drawn widgets.
      await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'),
        null, { timeout: 5000 }).catch(() => {});
      await page.screenshot({ path: join(dir, name), ...options });
    },
    async stop() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      for (const p of [gateway, stack.server]) {
        if (p.exitCode === null) {
          p.kill('SIGTERM');
          await new Promise((ok) => { p.once('exit', ok); setTimeout(ok, 5000); });
        }
      }
      try { psqlSuper('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`); } catch { /* cluster going away */ }
      rmSync(work, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Reads one certificate file of the stack (for tests that call smd-server directly). */
export function readTls(stack, name) {
  return readFileSync(join(stack.tls, name));
}
