// Alerts through the web gateway (issue 13; docs/performance.md "Alerts through the web
// gateway"), run by tests/bench/run_gateway_alert_bench.sh (bundled by esbuild, run by node
// under with_postgres.sh).
//
// The browser tests' stack (clients/web/tests/browser/harness.mjs): a private database with
// demo data, the real smd-server (mutual TLS, --trusted-gateway), the real gateway. In the
// same run:
//   - N "browser-like" subscribers through the gateway: each its own session (signed in
//     through the gateway, cookie + CSRF header + Origin), each a Connect server stream of
//     SubscribeAlerts over HTTP/2, as the alert desk opens it;
//   - N subscribers directly over gRPC (TLS with the dev client certificate), each its own
//     session of the same user;
//   - the demo doctor raises manual alerts (RaiseAlert, audience: police, grid workers and the
//     team) on patients of the police officer's street at R alerts/s for S seconds.
// Every alert must reach every subscriber exactly once (else the run is INVALID, exit 4).
// Latency per delivery: arrival time minus the alert's raised_at (set in the raising
// transaction; same host clock). It prints p50/p99/max per side and the gateway's added p99
// (target: at most 50 ms). Nothing asserts a time.
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { AuthService } from '@/gen/smd/v1/auth_pb';
import { AlertService } from '@/gen/smd/v1/alerts_pb';

interface Options { subscribers: number; rate: number; seconds: number; patients: number }

function options(): Options {
  const o: Options = { subscribers: 200, rate: 50, seconds: 20, patients: 60 };
  for (const a of process.argv.slice(2)) {
    const m = /^--(subscribers|rate|seconds|patients)=(\d+)$/.exec(a);
    if (!m) {
      console.error(`gateway_alert_bench: unknown option ${a} (--subscribers=N --rate=N --seconds=N --patients=N)`);
      process.exit(2);
    }
    o[m[1] as keyof Options] = Number(m[2]);
  }
  return o;
}

const webRoot = process.env.SMD_WEB_ROOT!;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const f1 = (x: number) => x.toFixed(1);

function pageHeaders(cookie: () => string, origin: string): Interceptor {
  return (next) => async (req) => {
    req.header.set('x-smd-csrf', '1');
    req.header.set('origin', origin);
    if (cookie()) req.header.set('cookie', cookie());
    return next(req);
  };
}

interface Subscriber {
  side: 'direct' | 'gateway';
  seen: Map<string, number>; // alert id -> deliveries
  latencies: number[];
  error?: string;
}

async function main(): Promise<void> {
  const o = options();
  const { startStack } = await import(pathToFileURL(join(webRoot, 'tests/browser/harness.mjs')).href);
  console.log(`gateway_alert_bench: starting the stack (${o.patients} demo patients)`);
  const stack = await startStack({ patients: o.patients });
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per stream
  try {
    const ca = readFileSync(join(stack.tls, 'ca.pem'));
    const cert = readFileSync(join(stack.tls, 'client.pem'));
    const key = readFileSync(join(stack.tls, 'client.key'));
    const police = { username: 'police', password: 'Demo-police-2026' };

    // Direct subscribers: one HTTP/2 connection each would be a browser's shape; gRPC
    // clients share one, as smdctl and services do.
    const direct: Transport = createGrpcTransport({ baseUrl: `https://localhost:${stack.serverPort}`, nodeOptions: { ca, cert, key } });
    const subs: Subscriber[] = [];
    const streams: Promise<void>[] = [];
    const newest = async (client: ReturnType<typeof createClient<typeof AlertService>>, headers: HeadersInit) => {
      const r = await client.listAlerts({ page: { pageSize: 1 } }, { headers });
      return r.alerts.length ? r.alerts[0].seq : 0n;
    };
    const run = (sub: Subscriber, client: ReturnType<typeof createClient<typeof AlertService>>, headers: HeadersInit, after: bigint) => {
      streams.push((async () => {
        try {
          for await (const m of client.subscribeAlerts({ after }, { headers, signal: stop.signal })) {
            const now = Date.now();
            sub.seen.set(m.alertId, (sub.seen.get(m.alertId) ?? 0) + 1);
            if (m.raisedAt) sub.latencies.push(now - (Number(m.raisedAt.seconds) * 1000 + m.raisedAt.nanos / 1e6));
          }
        } catch (e) {
          if (!stop.signal.aborted) sub.error = String(e).slice(0, 200);
        }
      })());
    };

    console.log(`gateway_alert_bench: signing in ${o.subscribers} sessions through the gateway and ${o.subscribers} directly`);
    for (let i = 0; i < o.subscribers; i++) {
      // Through the gateway: each subscriber its own transport (its own HTTP/2 connection, as
      // each browser has) and its own session cookie.
      let cookie = '';
      const viaGateway = createConnectTransport({
        baseUrl: stack.baseUrl, httpVersion: '2', useBinaryFormat: true, nodeOptions: { ca },
        interceptors: [pageHeaders(() => cookie, stack.baseUrl)],
      });
      await createClient(AuthService, viaGateway).login(police, {
        onHeader: (h) => {
          const c = /(__Host-smd_session=[^;]+)/.exec(h.get('set-cookie') ?? '');
          if (c) cookie = c[1];
        },
      });
      const g = createClient(AlertService, viaGateway);
      const gs: Subscriber = { side: 'gateway', seen: new Map(), latencies: [] };
      subs.push(gs);
      run(gs, g, {}, await newest(g, {}));

      const login = await createClient(AuthService, direct).login(police);
      const headers = { authorization: `Bearer ${login.token}` };
      const d = createClient(AlertService, direct);
      const ds: Subscriber = { side: 'direct', seen: new Map(), latencies: [] };
      subs.push(ds);
      run(ds, d, headers, await newest(d, headers));
    }
    await new Promise((r) => setTimeout(r, 1000)); // let every stream open

    // The doctor raises manual alerts on patients of the police officer's street.
    const doctor = await createClient(AuthService, direct).login({ username: 'doctor', password: 'Demo-doctor-2026' });
    const dh = { authorization: `Bearer ${doctor.token}` };
    const raiser = createClient(AlertService, direct);
    const patients = stack.sql("select id from patient where status = 1 and jurisdiction like '320106001%' order by id")
      .trim().split('\n').filter(Boolean);
    if (!patients.length) throw new Error('no patient in street 320106001');
    const total = o.rate * o.seconds;
    console.log(`gateway_alert_bench: raising ${total} alerts at ${o.rate}/s over ${patients.length} patients`);
    const raised: string[] = [];
    const failures: string[] = [];
    const t0 = Date.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / o.rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(raiser.raiseAlert({ patientId: patients[i % patients.length], severity: 3, cause: `压测预警 ${i} (bench alert)` }, { headers: dh })
        .then((r) => { raised.push(r.alertId); })
        .catch((e) => { failures.push(String(e).slice(0, 200)); }));
    }
    await Promise.all(inflight);
    const achieved = total / ((Date.now() - t0) / 1000);
    // Wait for the deliveries (at most 20 s after the last alert).
    const deadline = Date.now() + 20_000;
    const complete = () => subs.every((s) => raised.every((id) => s.seen.has(id)));
    while (!complete() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    await Promise.allSettled(streams);

    const ids = new Set(raised);
    let missing = 0;
    let doubled = 0;
    for (const s of subs) {
      for (const id of ids) {
        const n = s.seen.get(id) ?? 0;
        if (n === 0) missing++;
        if (n > 1) doubled++;
      }
    }
    const side = (name: 'direct' | 'gateway') => subs.filter((s) => s.side === name).flatMap((s) => s.latencies);
    const d = side('direct');
    const g = side('gateway');
    console.log(`\nAlerts: ${raised.length} raised at ${achieved.toFixed(1)}/s (asked ${o.rate}/s), ${failures.length} raise failures`);
    console.log(`Subscribers: ${o.subscribers} through the gateway, ${o.subscribers} direct; deliveries missing ${missing}, doubled ${doubled}`);
    console.log('| side | deliveries | p50 | p99 | max |');
    console.log('|---|---|---|---|---|');
    console.log(`| direct gRPC | ${d.length} | ${f1(pct(d, 50))} ms | ${f1(pct(d, 99))} ms | ${f1(Math.max(...d))} ms |`);
    console.log(`| through the gateway | ${g.length} | ${f1(pct(g, 50))} ms | ${f1(pct(g, 99))} ms | ${f1(Math.max(...g))} ms |`);
    const added = pct(g, 99) - pct(d, 99);
    const errs = subs.filter((s) => s.error);
    if (errs.length) console.log(`stream errors: ${errs.length}, e.g. ${errs[0].error}`);
    if (failures.length || missing || doubled || errs.length || !raised.length) {
      console.log('VERDICT: INVALID (a raise failed, or an alert did not reach every subscriber exactly once)');
      for (const f of failures.slice(0, 3)) console.log('  ' + f);
      process.exitCode = 4;
    } else {
      console.log(`Gateway adds ${f1(added)} ms at p99 (target <= 50 ms): ${added <= 50 ? 'MET' : 'NOT MET'}`);
    }
  } finally {
    stop.abort();
    await stack.stop();
  }
}

main().catch((e) => {
  console.error('gateway_alert_bench:', e);
  process.exit(2);
});
