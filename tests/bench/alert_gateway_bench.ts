// Alert delivery through the web gateway (issue 13), run by
// tests/bench/run_alert_gateway_bench.sh (bundled by esbuild, run by node under
// with_postgres.sh).
//
// One stack as the browser tests make it (clients/web/tests/browser/harness.mjs). The demo
// police officer's alerts are followed by --subscribers (200) browser-like subscribers
// through the gateway (the page's protocol: Connect binary over HTTP/2, session cookie,
// CSRF header, Origin; each its own HTTP/2 connection, as separate browsers) and, in the
// same run, --direct (20) subscribers straight to smd-server over gRPC. The demo doctor
// raises --rate (50) manual alerts per second for --seconds (10) on patients of the
// officer's street. Every subscriber must receive every alert exactly once (else the run is
// INVALID, exit 4). Latency is commit to client: the receipt time minus the alert's
// raised_at (the server's clock, same machine), per delivery; printed as p50/p99 for both
// sides and the gateway's added p99 (target: at most 50 ms).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { AuthService } from '@/gen/smd/v1/auth_pb';
import { AlertService } from '@/gen/smd/v1/alerts_pb';

interface Options { subscribers: number; direct: number; rate: number; seconds: number; patients: number }

function options(): Options {
  const o: Options = { subscribers: 200, direct: 20, rate: 50, seconds: 10, patients: 200 };
  for (const a of process.argv.slice(2)) {
    const m = /^--(subscribers|direct|rate|seconds|patients)=(\d+)$/.exec(a);
    if (!m) {
      console.error(`alert_gateway_bench: unknown option ${a}`);
      process.exit(2);
    }
    o[m[1] as keyof Options] = Number(m[2]);
  }
  return o;
}

const webRoot = process.env.SMD_WEB_ROOT!;
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const f1 = (x: number) => x.toFixed(1);

function pageHeaders(cookie: string, origin: string): Interceptor {
  return (next) => async (req) => {
    req.header.set('x-smd-csrf', '1');
    req.header.set('origin', origin);
    req.header.set('cookie', cookie);
    return next(req);
  };
}

interface Sub { seen: Map<string, number>; dup: number; lat: number[]; errors: string[]; ctl: AbortController; done: Promise<void> }

function subscribe(t: Transport, after: bigint, headers?: Record<string, string>): Sub {
  const s: Sub = { seen: new Map(), dup: 0, lat: [], errors: [], ctl: new AbortController(), done: Promise.resolve() };
  s.done = (async () => {
    try {
      for await (const m of createClient(AlertService, t).subscribeAlerts({ after }, { signal: s.ctl.signal, headers })) {
        const now = Date.now();
        if (s.seen.has(m.alertId)) { s.dup++; continue; }
        s.seen.set(m.alertId, now);
        if (m.raisedAt) s.lat.push(now - timestampMs(m.raisedAt));
      }
    } catch (e) {
      if (!s.ctl.signal.aborted) s.errors.push(String(e).slice(0, 200));
    }
  })();
  return s;
}

async function main(): Promise<void> {
  const o = options();
  const { startStack } = await import(pathToFileURL(join(webRoot, 'tests/browser/harness.mjs')).href);
  console.log(`alert_gateway_bench: starting the stack (${o.patients} demo patients)`);
  const stack = await startStack({ patients: o.patients });
  let code = 0;
  try {
    const ca = readFileSync(join(stack.tls, 'ca.pem'));
    const direct: Transport = createGrpcTransport({
      baseUrl: `https://localhost:${stack.serverPort}`,
      nodeOptions: { ca, cert: readFileSync(join(stack.tls, 'client.pem')), key: readFileSync(join(stack.tls, 'client.key')) },
    });
    const police = { username: 'police', password: 'Demo-police-2026' };
    const doctor = { username: 'doctor', password: 'Demo-doctor-2026' };
    const pTok = (await createClient(AuthService, direct).login(police)).token;
    const dTok = (await createClient(AuthService, direct).login(doctor)).token;
    const pAuth = { authorization: `Bearer ${pTok}` };
    const dAuth = { authorization: `Bearer ${dTok}` };
    // One gateway session per subscriber would be 200 logins; browsers of one officer share
    // nothing anyway, so each subscriber gets its own connection and the cookie of one login.
    let cookie = '';
    const loginT = createConnectTransport({ baseUrl: stack.baseUrl, httpVersion: '2', useBinaryFormat: true, nodeOptions: { ca },
      interceptors: [(next) => async (req) => { req.header.set('x-smd-csrf', '1'); req.header.set('origin', stack.baseUrl); return next(req); }] });
    await createClient(AuthService, loginT).login(police, {
      onHeader: (h) => { const c = /(__Host-smd_session=[^;]+)/.exec(h.get('set-cookie') ?? ''); if (c) cookie = c[1]; },
    });
    if (!cookie) throw new Error('no session cookie from the gateway');

    const alertsD = createClient(AlertService, direct);
    const newest = (await alertsD.listAlerts({ page: { pageSize: 1 } }, { headers: pAuth })).alerts[0]?.seq ?? 0n;
    const ids = stack.sql(`select id from patient where jurisdiction like '320106001%' and status = 1 order by id`).trim().split('\n').filter(Boolean);
    if (!ids.length) throw new Error('no active patient in street 320106001');

    const gw: Sub[] = [];
    for (let i = 0; i < o.subscribers; i++) {
      const t = createConnectTransport({ baseUrl: stack.baseUrl, httpVersion: '2', useBinaryFormat: true, nodeOptions: { ca },
        interceptors: [pageHeaders(cookie, stack.baseUrl)] });
      gw.push(subscribe(t, newest));
    }
    const dr: Sub[] = [];
    for (let i = 0; i < o.direct; i++) {
      const t = createGrpcTransport({ baseUrl: `https://localhost:${stack.serverPort}`,
        nodeOptions: { ca, cert: readFileSync(join(stack.tls, 'client.pem')), key: readFileSync(join(stack.tls, 'client.key')) } });
      dr.push(subscribe(t, newest, pAuth));
    }
    await new Promise((ok) => setTimeout(ok, 2000)); // let the streams open
    console.log(`alert_gateway_bench: ${gw.length} gateway and ${dr.length} direct subscribers; raising ${o.rate}/s for ${o.seconds} s`);

    const raised: string[] = [];
    const raiseErrors: string[] = [];
    const total = o.rate * o.seconds;
    const t0 = Date.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / o.rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
      inflight.push(alertsD.raiseAlert({ patientId: ids[i % ids.length], severity: 1, cause: `压力测试预警 ${i}` }, { headers: dAuth })
        .then((r) => { raised.push(r.alertId); }, (e) => { raiseErrors.push(String(e).slice(0, 200)); }));
    }
    await Promise.all(inflight);
    const achieved = raised.length / ((Date.now() - t0) / 1000);
    // Wait for every delivery (at most 30 s).
    const all = [...gw, ...dr];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && all.some((s) => raised.some((id) => !s.seen.has(id)))) {
      await new Promise((ok) => setTimeout(ok, 200));
    }
    for (const s of all) s.ctl.abort();
    await Promise.all(all.map((s) => s.done));

    const missing = (ss: Sub[]) => ss.reduce((n, s) => n + raised.filter((id) => !s.seen.has(id)).length, 0);
    const dups = (ss: Sub[]) => ss.reduce((n, s) => n + s.dup, 0);
    const errs = all.flatMap((s) => s.errors);
    const gLat = gw.flatMap((s) => s.lat);
    const dLat = dr.flatMap((s) => s.lat);
    console.log(`\nraised ${raised.length} alerts (${f1(achieved)}/s), ${raiseErrors.length} failed`);
    console.log(`gateway: ${gLat.length} deliveries, missing ${missing(gw)}, duplicates ${dups(gw)}`);
    console.log(`direct:  ${dLat.length} deliveries, missing ${missing(dr)}, duplicates ${dups(dr)}`);
    if (errs.length) console.log(`${errs.length} subscriber errors; first: ${errs[0]}`);
    console.log('\n| side | subscribers | p50 | p99 | max |');
    console.log('|---|---|---|---|---|');
    if (dLat.length) console.log(`| direct gRPC | ${dr.length} | ${pct(dLat, 50)} ms | ${pct(dLat, 99)} ms | ${Math.max(...dLat)} ms |`);
    if (gLat.length) console.log(`| through the gateway | ${gw.length} | ${pct(gLat, 50)} ms | ${pct(gLat, 99)} ms | ${Math.max(...gLat)} ms |`);
    if (gLat.length && dLat.length) {
      const added = pct(gLat, 99) - pct(dLat, 99);
      console.log(`\ngateway adds ${added} ms at p99 (target <= 50 ms): ${added <= 50 ? 'MET' : 'NOT MET'}`);
    }
    if (raiseErrors.length || missing(all) || dups(all) || errs.length) {
      console.log('INVALID: a raise failed, or a subscriber missed, repeated or lost its stream');
      code = 4;
    }
  } finally {
    await stack.stop();
  }
  process.exit(code);
}

main().catch((e) => { console.error(e); process.exit(3); });
