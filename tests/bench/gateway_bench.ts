// What the web gateway costs (docs/performance.md "Web gateway"), run by
// tests/bench/run_gateway_bench.sh (bundled by esbuild, run by node under with_postgres.sh).
//
// One stack as the browser tests make it (clients/web/tests/browser/harness.mjs): a private
// database with demo data, the real smd-server over TLS, the real gateway (access log on,
// as in production), Debian's headless Chromium. In the same run, sequentially (one call
// in flight), after warm-up, in alternating blocks (direct, gateway, gateway, direct) so
// that drift cancels:
//   - GetPatient and RecordFollowUp directly over gRPC (connect-node, TLS with the CA), as
//     the psychiatrist (district-wide);
//   - the same calls through the gateway as a page makes them: Connect binary over HTTP/2,
//     session cookie, CSRF header, Origin;
//   - the machine's limit for one more hop: an empty HTTP/2 request to a Node server on
//     loopback, in this process.
// It prints p50/p99 per side and the gateway's added p50 (target: at most 1 ms). Then the
// first page load: the compressed JavaScript bytes Chromium transfers for /login and, after
// signing in, the doctor's home (target: under 300 KB).
//
// Nothing asserts a time. A run with a failed call is INVALID (exit 4).
import * as http2 from 'node:http2';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createClient, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { AuthService } from '@/gen/smd/v1/auth_pb';
import { LockupStatus, PatientService, TreatmentEffect } from '@/gen/smd/v1/patients_pb';
import {
  Adherence, AdverseReaction, FollowUpService, Hospitalization, Insight, PhysicalIllness, SymptomSeverity, VisitMode,
} from '@/gen/smd/v1/followups_pb';

interface Options { calls: number; warmup: number; block: number; patients: number }

function options(): Options {
  const o: Options = { calls: 400, warmup: 50, block: 1, patients: 200 };
  for (const a of process.argv.slice(2)) {
    const m = /^--(calls|warmup|block|patients)=(\d+)$/.exec(a);
    if (!m) {
      console.error(`gateway_bench: unknown option ${a} (--calls=N --warmup=N --block=N --patients=N)`);
      process.exit(2);
    }
    o[m[1] as keyof Options] = Number(m[2]);
  }
  return o;
}

const webRoot = process.env.SMD_WEB_ROOT!;
const failures: string[] = [];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const f2 = (x: number) => x.toFixed(2);

async function timed(fn: () => Promise<unknown>, into: number[] | null, what: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  try {
    await fn();
  } catch (e) {
    failures.push(`${what}: ${String(e).slice(0, 200)}`);
    return;
  }
  into?.push(Number(process.hrtime.bigint() - t0) / 1e6);
}

/** Runs fnA and fnB alternately in blocks (A B B A ...) until each has `calls` samples. */
async function abba(o: Options, a: (i: number) => Promise<unknown>, b: (i: number) => Promise<unknown>, what: string) {
  const ta: number[] = [];
  const tb: number[] = [];
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < o.warmup; i++) {
    await timed(() => a(ia++), null, `${what} direct warm-up`);
    await timed(() => b(ib++), null, `${what} gateway warm-up`);
  }
  const blocks = Math.ceil(o.calls / o.block);
  for (let k = 0; k < blocks; k++) {
    const order = k % 2 === 0 ? [0, 1] : [1, 0];
    for (const side of order) {
      for (let j = 0; j < o.block; j++) {
        if (side === 0) await timed(() => a(ia++), ta, `${what} direct`);
        else await timed(() => b(ib++), tb, `${what} gateway`);
      }
    }
  }
  return { direct: ta, gateway: tb };
}

/** An empty HTTP/2 request on loopback, over TLS when given the stack's certificates. */
async function emptyHop(o: Options, tls?: { cert: Buffer; key: Buffer; ca: Buffer }): Promise<number[]> {
  const handler = (_req: unknown, res: http2.Http2ServerResponse) => res.end();
  const srv = tls ? http2.createSecureServer({ cert: tls.cert, key: tls.key }, handler) : http2.createServer(handler);
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const port = (srv.address() as AddressInfo).port;
  const session = tls ? http2.connect(`https://localhost:${port}`, { ca: tls.ca }) : http2.connect(`http://127.0.0.1:${port}`);
  const one = () => new Promise<void>((ok, fail) => {
    const r = session.request({ ':method': 'POST', ':path': '/' });
    r.on('error', fail);
    r.on('data', () => {});
    r.on('end', ok);
    r.end();
  });
  for (let i = 0; i < o.warmup; i++) await one();
  const t: number[] = [];
  for (let i = 0; i < o.calls; i++) await timed(one, t, 'empty hop');
  session.close();
  srv.close();
  return t;
}

function pageHeaders(cookie: () => string, origin: string): Interceptor {
  return (next) => async (req) => {
    req.header.set('x-smd-csrf', '1');
    req.header.set('origin', origin);
    if (cookie()) req.header.set('cookie', cookie());
    return next(req);
  };
}

async function main(): Promise<void> {
  const o = options();
  const { startStack } = await import(pathToFileURL(join(webRoot, 'tests/browser/harness.mjs')).href);
  console.log(`gateway_bench: starting the stack (${o.patients} demo patients)`);
  const stack = await startStack({ patients: o.patients });
  try {
    const ca = readFileSync(join(stack.tls, 'ca.pem'));
    // Direct callers present the dev client certificate (needed when smd-server runs with
    // --tls-client-ca, as the harness starts it for --trusted-gateway).
    const direct: Transport = createGrpcTransport({
      baseUrl: `https://localhost:${stack.serverPort}`,
      nodeOptions: { ca, cert: readFileSync(join(stack.tls, 'client.pem')), key: readFileSync(join(stack.tls, 'client.key')) },
    });
    let cookie = '';
    const viaGateway: Transport = createConnectTransport({
      baseUrl: stack.baseUrl, httpVersion: '2', useBinaryFormat: true, nodeOptions: { ca },
      interceptors: [pageHeaders(() => cookie, stack.baseUrl)],
    });
    const user = { username: 'psychiatrist', password: 'Demo-psych-2026' };
    const login = await createClient(AuthService, direct).login(user);
    const auth = { authorization: `Bearer ${login.token}` };
    await createClient(AuthService, viaGateway).login(user, {
      onHeader: (h) => {
        const c = /(__Host-smd_session=[^;]+)/.exec(h.get('set-cookie') ?? '');
        if (c) cookie = c[1];
      },
    });
    if (!cookie) throw new Error('no session cookie from the gateway');

    const ids = stack.sql('select id from patient order by id').trim().split('\n').filter(Boolean);
    console.log(`gateway_bench: ${ids.length} patients; ${o.calls} calls per side after ${o.warmup} warm-up, blocks of ${o.block}`);
    const pD = createClient(PatientService, direct);
    const pG = createClient(PatientService, viaGateway);
    const fD = createClient(FollowUpService, direct);
    const fG = createClient(FollowUpService, viaGateway);

    // A risk-0 stable visit (tests/support/forms.cc), a distinct date per patient and call:
    // from 2016-01-01, three days apart (as tests/bench/followup_bench.cc).
    const next = new Map<string, number>();
    const form = (patientId: string) => {
      const k = next.get(patientId) ?? 0;
      next.set(patientId, k + 1);
      const d = new Date(Date.UTC(2016, 0, 1) + k * 3 * 86400e3);
      return {
        patientId,
        form: {
          visitDate: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
          mode: VisitMode.HOME, subjects: [1, 2], riskLevel: 0,
          symptomSeverity: SymptomSeverity.NONE, insight: Insight.COMPLETE, sleep: 1, diet: 1,
          social: { selfCare: 1, housework: 1, work: 9, study: 1, social: 1 },
          lockup: LockupStatus.LOCKUP_NONE, hospitalization: Hospitalization.NEVER,
          adherence: Adherence.REGULAR, adr: AdverseReaction.NONE, physical: PhysicalIllness.NONE,
          effect: TreatmentEffect.IMPROVED,
          medications: [{ drugCode: 'risperidone', morningMg: 2, eveningMg: 2 }],
        },
      };
    };

    const hop = await emptyHop(o);
    const tlsHop = await emptyHop(o, {
      cert: readFileSync(join(stack.tls, 'server.pem')), key: readFileSync(join(stack.tls, 'server.key')), ca,
    });
    const get = await abba(o,
      (i) => pD.getPatient({ patientId: ids[i % ids.length] }, { headers: auth }),
      (i) => pG.getPatient({ patientId: ids[(i + 7) % ids.length] }),
      'GetPatient');
    const rec = await abba(o,
      (i) => fD.recordFollowUp(form(ids[i % ids.length]), { headers: auth }),
      (i) => fG.recordFollowUp(form(ids[(i + ids.length / 2) % ids.length])),
      'RecordFollowUp');

    if (failures.length) console.log(`\n${failures.length} failed calls; first: ${failures[0]}`);
    console.log('\n| call | direct p50 | direct p99 | gateway p50 | gateway p99 | added p50 | added / direct p50 |');
    console.log('|---|---|---|---|---|---|---|');
    const verdicts: string[] = [];
    for (const [name, r] of [['GetPatient', get], ['RecordFollowUp', rec]] as const) {
      if (!r.direct.length || !r.gateway.length) continue;
      const d50 = pct(r.direct, 50);
      const g50 = pct(r.gateway, 50);
      console.log(`| ${name} | ${f2(d50)} ms | ${f2(pct(r.direct, 99))} ms | ${f2(g50)} ms | ${f2(pct(r.gateway, 99))} ms | ${f2(g50 - d50)} ms | ${((g50 - d50) / d50 * 100).toFixed(0)} % |`);
      verdicts.push(`${name}: gateway adds ${f2(g50 - d50)} ms at p50 (target <= 1 ms): ${g50 - d50 <= 1 ? 'MET' : 'NOT MET'}`);
    }
    // Inside the gateway, from its access log: the whole call minus the upstream part, per
    // call (the last `calls` lines of each method: the measured ones, not the warm-up).
    const logs = stack.gatewayLogs.join('');
    for (const name of ['PatientService/GetPatient', 'FollowUpService/RecordFollowUp']) {
      const re = new RegExp(`rpc smd\\.v1\\.${name} ok ([\\d.]+)ms \\(upstream ([\\d.]+)ms\\)`, 'g');
      const own = [...logs.matchAll(re)].map((m) => Number(m[1]) - Number(m[2])).slice(-o.calls);
      if (own.length) console.log(`Inside the gateway (its access log: whole call minus upstream), ${name.split('/')[1]}: p50 ${f2(pct(own, 50))} ms, p99 ${f2(pct(own, 99))} ms`);
    }
    console.log(`\nMachine limits, same run: an empty HTTP/2 request on loopback, Node to Node (what one more hop costs at least):`);
    console.log(`  plaintext p50 ${f2(pct(hop, 50))} ms, p99 ${f2(pct(hop, 99))} ms; TLS p50 ${f2(pct(tlsHop, 50))} ms, p99 ${f2(pct(tlsHop, 99))} ms`);

    // First page load: a fresh browser context (empty cache), as a user's first visit.
    const page = await stack.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const types = new Map<string, { type: string; url: string; enc: string }>();
    const bytes = { js: 0, css: 0, other: 0 };
    const scripts: string[] = [];
    cdp.on('Network.responseReceived', (e: { requestId: string; type: string; response: { url: string; headers: Record<string, string> } }) => {
      const h = e.response.headers;
      types.set(e.requestId, { type: e.type, url: e.response.url, enc: h['content-encoding'] ?? h['Content-Encoding'] ?? 'identity' });
    });
    cdp.on('Network.loadingFinished', (e: { requestId: string; encodedDataLength: number }) => {
      const t = types.get(e.requestId);
      if (!t) return;
      if (t.type === 'Script') {
        bytes.js += e.encodedDataLength;
        scripts.push(`${t.url.replace(stack.baseUrl, '')} ${(e.encodedDataLength / 1024).toFixed(1)} KB ${t.enc}`);
      } else if (t.type === 'Stylesheet') bytes.css += e.encodedDataLength;
      else bytes.other += e.encodedDataLength;
    });
    await page.goto(stack.baseUrl + '/login', { waitUntil: 'networkidle' });
    const loginJs = bytes.js;
    const loginCss = bytes.css;
    await stack.login(page, 'doctor');
    await page.locator('[data-test=who]').waitFor();
    // The doctor's home is the worklist: wait for its rows, so that its chunks are counted.
    await page.waitForURL(/\/worklist/, { timeout: 15000 }).catch(() => {});
    await page.locator('[data-test=worklist] tbody tr').first().waitFor({ timeout: 15000 }).catch(() => {});
    await page.waitForLoadState('networkidle');
    const homePath = new URL(page.url()).pathname;
    const kb = (x: number) => `${(x / 1024).toFixed(1)} KB`;
    console.log(`\nFirst page load (Chromium, empty cache, bytes on the wire incl. headers):`);
    console.log(`  /login:                       JavaScript ${kb(loginJs)}, CSS ${kb(loginCss)}`);
    console.log(`  + sign-in and ${homePath}: JavaScript ${kb(bytes.js)} in all, CSS ${kb(bytes.css)}, other ${kb(bytes.other)}`);
    for (const s of scripts) console.log(`    ${s}`);
    verdicts.push(`First load JavaScript (login + doctor's home): ${kb(bytes.js)} (target < 300 KB): ${bytes.js < 300 * 1024 ? 'MET' : 'NOT MET'}`);

    console.log('');
    if (failures.length) {
      console.log(`INVALID (${failures.length} failed calls); first: ${failures[0]}`);
      process.exitCode = 4;
    } else {
      for (const v of verdicts) console.log(v);
    }
  } finally {
    // The gateway's own lines (access log: method, code, ms per call), when asked for.
    if (process.env.SMD_BENCH_GATEWAY_LOG) writeFileSync(process.env.SMD_BENCH_GATEWAY_LOG, stack.gatewayLogs.join(''));
    await stack.stop();
  }
}

main().catch((e) => {
  console.error('gateway_bench:', e);
  process.exit(2);
});
