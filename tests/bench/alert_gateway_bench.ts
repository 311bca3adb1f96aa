// Alert delivery through the web gateway (issue 13), run by
// tests/bench/run_alert_gateway_bench.sh (bundled by esbuild, run by node under
// with_postgres.sh).
//
// One stack as the browser tests make it (clients/web/tests/browser/harness.mjs). The demo
// police officer's alerts are followed by --subscribers (200) subscribers on each side,
// like for like: through the gateway (the page's protocol: Connect binary over HTTP/2,
// session cookie, CSRF header, Origin; each its own HTTP/2 connection, as separate
// browsers) and straight to smd-server over gRPC (each its own connection too). The demo
// doctor raises --rate (50) manual alerts per second for --seconds (10) on patients of the
// officer's street.
//
// --mode=phases (default): one side at a time, in the order direct, gateway, gateway,
// direct (--rounds=2 pairs, each pair reversed from the last, so a machine whose load drifts
// during the run weighs on both sides alike); each phase opens its subscribers, waits until
// all of them have a warm-up alert (so a stream still opening is not counted as latency),
// raises, waits for every delivery, closes them. --mode=together: both sides at once, N
// each, in one phase (each side then also carries the other's load).
//
// Every subscriber must receive every alert exactly once (else the run is INVALID, exit 4).
// Latency is commit to client: the receipt time minus the alert's raised_at (the server's
// clock, same machine), per delivery; printed per phase and pooled per side, p50/p99, and
// the gateway's added p99 (target: at most 50 ms).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { AuthService } from '@/gen/smd/v1/auth_pb';
import { AlertService } from '@/gen/smd/v1/alerts_pb';

interface Options { subscribers: number; rate: number; seconds: number; patients: number; rounds: number; mode: 'phases' | 'together' }

function options(): Options {
  const o: Options = { subscribers: 200, rate: 50, seconds: 10, patients: 200, rounds: 2, mode: 'phases' };
  for (const a of process.argv.slice(2)) {
    const m = /^--(subscribers|rate|seconds|patients|rounds)=(\d+)$/.exec(a);
    const mode = /^--mode=(phases|together)$/.exec(a);
    if (m) o[m[1] as 'subscribers'] = Number(m[2]);
    else if (mode) o.mode = mode[1] as Options['mode'];
    else {
      console.error(`alert_gateway_bench: unknown option ${a} (--subscribers=N --rate=N --seconds=N --patients=N --rounds=N --mode=phases|together)`);
      process.exit(2);
    }
  }
  return o;
}

const webRoot = process.env.SMD_WEB_ROOT!;
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const f1 = (x: number) => x.toFixed(1);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

function pageHeaders(cookie: string, origin: string): Interceptor {
  return (next) => async (req) => {
    req.header.set('x-smd-csrf', '1');
    req.header.set('origin', origin);
    req.header.set('cookie', cookie);
    return next(req);
  };
}

type Side = 'direct' | 'gateway';
interface Sub { side: Side; seen: Map<string, number>; dup: number; lat: Map<string, number>; errors: string[]; ctl: AbortController; done: Promise<void> }

function subscribe(side: Side, t: Transport, after: bigint, headers?: Record<string, string>): Sub {
  const s: Sub = { side, seen: new Map(), dup: 0, lat: new Map(), errors: [], ctl: new AbortController(), done: Promise.resolve() };
  s.done = (async () => {
    try {
      for await (const m of createClient(AlertService, t).subscribeAlerts({ after }, { signal: s.ctl.signal, headers })) {
        const now = Date.now();
        if (s.seen.has(m.alertId)) { s.dup++; continue; }
        s.seen.set(m.alertId, now);
        if (m.raisedAt) s.lat.set(m.alertId, now - timestampMs(m.raisedAt));
      }
    } catch (e) {
      if (!s.ctl.signal.aborted) s.errors.push(String(e).slice(0, 200));
    }
  })();
  return s;
}

interface PhaseResult { label: string; sides: Side[]; subs: Sub[]; raised: string[]; raiseErrors: string[]; achieved: number }

async function main(): Promise<void> {
  const o = options();
  const { startStack } = await import(pathToFileURL(join(webRoot, 'tests/browser/harness.mjs')).href);
  console.log(`alert_gateway_bench: starting the stack (${o.patients} demo patients)`);
  const stack = await startStack({ patients: o.patients });
  let code = 0;
  try {
    const ca = readFileSync(join(stack.tls, 'ca.pem'));
    const clientTls = { ca, cert: readFileSync(join(stack.tls, 'client.pem')), key: readFileSync(join(stack.tls, 'client.key')) };
    const direct: Transport = createGrpcTransport({ baseUrl: `https://localhost:${stack.serverPort}`, nodeOptions: clientTls });
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
    const ids = stack.sql(`select id from patient where jurisdiction like '320106001%' and status = 1 order by id`).trim().split('\n').filter(Boolean);
    if (!ids.length) throw new Error('no active patient in street 320106001');
    let serial = 0;
    const raise = (cause: string) => alertsD.raiseAlert({ patientId: ids[serial++ % ids.length], severity: 1, cause }, { headers: dAuth });

    const open = (side: Side, after: bigint): Sub => side === 'gateway'
      ? subscribe(side, createConnectTransport({ baseUrl: stack.baseUrl, httpVersion: '2', useBinaryFormat: true, nodeOptions: { ca },
        interceptors: [pageHeaders(cookie, stack.baseUrl)] }), after)
      : subscribe(side, createGrpcTransport({ baseUrl: `https://localhost:${stack.serverPort}`, nodeOptions: clientTls }), after, pAuth);

    async function phase(label: string, sides: Side[]): Promise<PhaseResult> {
      const newest = (await alertsD.listAlerts({ page: { pageSize: 1 } }, { headers: pAuth })).alerts[0]?.seq ?? 0n;
      const subs: Sub[] = [];
      for (const side of sides) for (let i = 0; i < o.subscribers; i++) subs.push(open(side, newest));
      // Warm-up: every stream open and delivering before the clock starts (at most 60 s).
      const warm = (await raise('压力测试预热')).alertId;
      const warmBy = Date.now() + 60_000;
      while (Date.now() < warmBy && subs.some((s) => !s.seen.has(warm) && !s.errors.length)) await sleep(100);
      console.log(`alert_gateway_bench: ${label}: ${subs.length} subscribers (${sides.join(' + ')}) open; raising ${o.rate}/s for ${o.seconds} s`);

      const raised: string[] = [];
      const raiseErrors: string[] = [];
      const total = o.rate * o.seconds;
      const t0 = Date.now();
      const inflight: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const wait = t0 + (i * 1000) / o.rate - Date.now();
        if (wait > 0) await sleep(wait);
        inflight.push(raise(`压力测试预警 ${i}`).then((r) => { raised.push(r.alertId); }, (e) => { raiseErrors.push(String(e).slice(0, 200)); }));
      }
      await Promise.all(inflight);
      const achieved = raised.length / ((Date.now() - t0) / 1000);
      // Wait for every delivery (at most 30 s).
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && subs.some((s) => raised.some((id) => !s.seen.has(id)))) await sleep(200);
      for (const s of subs) s.ctl.abort();
      await Promise.all(subs.map((s) => s.done));
      return { label, sides, subs, raised, raiseErrors, achieved };
    }

    const phases: PhaseResult[] = [];
    if (o.mode === 'together') {
      phases.push(await phase('together', ['direct', 'gateway']));
    } else {
      for (let r = 0; r < o.rounds; r++) {
        const order: Side[] = r % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct'];
        for (const side of order) phases.push(await phase(`phase ${phases.length + 1}`, [side]));
      }
    }

    let invalid = false;
    const pooled: Record<Side, number[]> = { direct: [], gateway: [] };
    console.log(`\n| phase | side | subscribers | alerts (rate) | deliveries | missing / dup | p50 | p99 | max |`);
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const ph of phases) {
      for (const side of ph.sides) {
        const ss = ph.subs.filter((s) => s.side === side);
        const lat = ss.flatMap((s) => ph.raised.map((id) => s.lat.get(id)).filter((x): x is number => x !== undefined));
        const missing = ss.reduce((n, s) => n + ph.raised.filter((id) => !s.seen.has(id)).length, 0);
        const dup = ss.reduce((n, s) => n + s.dup, 0);
        const errs = ss.flatMap((s) => s.errors);
        pooled[side].push(...lat);
        const name = side === 'gateway' ? 'through the gateway' : 'direct gRPC';
        console.log(`| ${ph.label} | ${name} | ${ss.length} | ${ph.raised.length} (${f1(ph.achieved)}/s) | ${lat.length} | ${missing} / ${dup} | `
          + (lat.length ? `${pct(lat, 50)} ms | ${pct(lat, 99)} ms | ${Math.max(...lat)} ms |` : '- | - | - |'));
        if (errs.length) console.log(`  ${errs.length} subscriber errors; first: ${errs[0]}`);
        if (ph.raiseErrors.length) console.log(`  ${ph.raiseErrors.length} raises failed; first: ${ph.raiseErrors[0]}`);
        if (missing || dup || errs.length || ph.raiseErrors.length) invalid = true;
      }
    }
    const d = pooled.direct;
    const g = pooled.gateway;
    if (d.length && g.length) {
      console.log(`\npooled: direct p50 ${pct(d, 50)} ms p99 ${pct(d, 99)} ms; through the gateway p50 ${pct(g, 50)} ms p99 ${pct(g, 99)} ms`);
      const added = pct(g, 99) - pct(d, 99);
      console.log(`gateway adds ${added} ms at p99, ${pct(g, 50) - pct(d, 50)} ms at p50 (${o.subscribers} subscribers each side, ${o.mode}; target <= 50 ms at p99): ${added <= 50 ? 'MET' : 'NOT MET'}`);
    }
    if (invalid) {
      console.log('INVALID: a raise failed, or a subscriber missed, repeated or lost its stream');
      code = 4;
    }
  } finally {
    await stack.stop();
  }
  process.exit(code);
}

main().catch((e) => { console.error(e); process.exit(3); });
