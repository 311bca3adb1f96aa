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
// the gateway's added p99 (target: at most 50 ms; INCONCLUSIVE when a phase could not raise
// at the rate asked for, i.e. the machine was saturated).
//
// Subscribers are read with node:http2 and a two-field protobuf reader, not the generated
// client, so the driver (10,000 messages a second on one Node thread) stays light and weighs
// alike on both sides. Per phase, the CPU time of the gateway, smd-server and this driver
// from the first alert to the last delivery, per 1,000 deliveries: the gateway's figure
// does not depend on how loaded the machine is. --pin=1 (SMD_BENCH_PIN=1) pins this driver
// to the last CPU and the gateway to the first (taskset).
import { readFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { AuthService } from '@/gen/smd/v1/auth_pb';
import { AlertService } from '@/gen/smd/v1/alerts_pb';

interface Options { subscribers: number; rate: number; seconds: number; patients: number; rounds: number; mode: 'phases' | 'together'; pin: number }

function options(): Options {
  const o: Options = { subscribers: 200, rate: 50, seconds: 10, patients: 200, rounds: 2, mode: 'phases', pin: Number(process.env.SMD_BENCH_PIN ?? 0) };
  for (const a of process.argv.slice(2)) {
    const m = /^--(subscribers|rate|seconds|patients|rounds|pin)=(\d+)$/.exec(a);
    const mode = /^--mode=(phases|together)$/.exec(a);
    if (m) o[m[1] as 'subscribers'] = Number(m[2]);
    else if (mode) o.mode = mode[1] as Options['mode'];
    else {
      console.error(`alert_gateway_bench: unknown option ${a} (--subscribers=N --rate=N --seconds=N --patients=N --rounds=N --mode=phases|together --pin=0|1)`);
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

type Side = 'direct' | 'gateway';
interface Sub { side: Side; seen: Map<string, number>; dup: number; lat: Map<string, number>; errors: string[]; ctl: AbortController; done: Promise<void> }

/**
 * The two fields the bench reads of an AlertMessage (smd/v1/alerts.proto): alert_id (2)
 * and raised_at (11, a Timestamp: seconds 1, nanos 2), in milliseconds. A few lines of
 * protobuf reading instead of the generated client's full decode and async iteration, so
 * that the driver (one Node thread taking 10,000 messages a second, on the same 2 cores)
 * costs as little as it can and weighs alike on both sides.
 */
function readAlert(b: Buffer, start: number, end: number): { id: string; raisedMs: number } {
  let i = start;
  let id = '';
  let raisedMs = NaN;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const x = b[i++];
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < end) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) { varint(); continue; }
    if (wire === 1) { i += 8; continue; }
    if (wire === 5) { i += 4; continue; }
    const len = varint();
    if (field === 2) id = b.toString('latin1', i, i + len);
    else if (field === 11) {
      const stop = i + len;
      let sec = 0;
      let nanos = 0;
      while (i < stop) {
        const k = varint();
        const v = varint();
        if (k >> 3 === 1) sec = v;
        else if (k >> 3 === 2) nanos = v;
      }
      raisedMs = sec * 1000 + Math.floor(nanos / 1e6);
      continue;
    }
    i += len;
  }
  return { id, raisedMs };
}

/** A SubscribeAlertsRequest { after } in its 5-byte envelope (gRPC and Connect alike). */
function subscribeBody(after: bigint): Buffer {
  const bytes: number[] = [];
  if (after > 0n) {
    bytes.push(0x08);
    let v = after;
    while (v >= 0x80n) { bytes.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
    bytes.push(Number(v));
  }
  const out = Buffer.alloc(5 + bytes.length);
  out.writeUInt32BE(bytes.length, 1);
  Buffer.from(bytes).copy(out, 5);
  return out;
}

/**
 * One subscriber on its own HTTP/2 connection (as a separate browser, or a separate gRPC
 * client), read with node:http2 directly: through the gateway in the page's protocol
 * (Connect streaming, binary, session cookie, CSRF header, Origin), or straight to
 * smd-server in gRPC. Frames are split here; data frames (flag 0) are alerts, the others
 * end the stream (Connect's end-of-stream envelope; gRPC's status comes in trailers).
 */
function subscribe(side: Side, url: string, connectOpts: http2.SecureClientSessionOptions, headers: http2.OutgoingHttpHeaders, after: bigint): Sub {
  const s: Sub = { side, seen: new Map(), dup: 0, lat: new Map(), errors: [], ctl: new AbortController(), done: Promise.resolve() };
  s.done = new Promise<void>((resolve) => {
    const session = http2.connect(url, connectOpts);
    session.on('error', (e) => { if (!s.ctl.signal.aborted) s.errors.push(String(e).slice(0, 200)); });
    const req = session.request({ ':method': 'POST', ':path': '/smd.v1.AlertService/SubscribeAlerts', ...headers });
    let buf: Buffer = Buffer.alloc(0);
    let status: string | undefined;
    const onFrame = (flag: number, b: Buffer, start: number, end: number) => {
      if (flag !== 0) {
        const text = b.toString('utf8', start, end);
        if (text !== '{}' && !s.ctl.signal.aborted) s.errors.push(`end of stream: ${text.slice(0, 200)}`);
        return;
      }
      const now = Date.now();
      const { id, raisedMs } = readAlert(b, start, end);
      if (s.seen.has(id)) { s.dup++; return; }
      s.seen.set(id, now);
      if (!Number.isNaN(raisedMs)) s.lat.set(id, now - raisedMs);
    };
    req.on('response', (h) => {
      if (h[':status'] !== 200) s.errors.push(`http ${h[':status']}`);
      if (typeof h['grpc-status'] === 'string') status = h['grpc-status'];
    });
    req.on('trailers', (h) => { if (typeof h['grpc-status'] === 'string') status = h['grpc-status']; });
    req.on('data', (c: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, c]) : c;
      let i = 0;
      while (buf.length - i >= 5) {
        const len = buf.readUInt32BE(i + 1);
        if (buf.length - i - 5 < len) break;
        onFrame(buf[i], buf, i + 5, i + 5 + len);
        i += 5 + len;
      }
      buf = i === buf.length ? Buffer.alloc(0) : buf.subarray(i);
    });
    req.on('error', (e) => { if (!s.ctl.signal.aborted) s.errors.push(String(e).slice(0, 200)); });
    req.on('close', () => {
      if (!s.ctl.signal.aborted && status !== undefined && status !== '0') s.errors.push(`grpc-status ${status}`);
      session.close();
      resolve();
    });
    s.ctl.signal.addEventListener('abort', () => { req.close(http2.constants.NGHTTP2_CANCEL); session.close(); });
    req.end(subscribeBody(after));
  });
  return s;
}

/** utime + stime of a process, in seconds (/proc/PID/stat). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // USER_HZ: 100 on Linux
}

/** Pins every thread of `pid` to `cpus` (taskset); false when that fails. */
function pin(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface PhaseResult { label: string; sides: Side[]; subs: Sub[]; raised: string[]; raiseErrors: string[]; achieved: number; gatewayCpuS: number; serverCpuS: number; driverCpuS: number }

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
      ? subscribe(side, stack.baseUrl, { ca }, {
        'content-type': 'application/connect+proto', 'connect-protocol-version': '1',
        cookie, origin: stack.baseUrl, 'x-smd-csrf': '1' }, after)
      : subscribe(side, `https://localhost:${stack.serverPort}`, clientTls, {
        'content-type': 'application/grpc', te: 'trailers', authorization: `Bearer ${pTok}` }, after);

    // --pin=1 (or SMD_BENCH_PIN=1): this driver on the last CPU, the gateway on the first,
    // so that neither takes the other's CPU time; smd-server and PostgreSQL stay free.
    const cpus = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
    if (o.pin) {
      const last = String(cpus - 1);
      const ok = cpus >= 2 && pin(process.pid, last) && pin(stack.gateway.pid, '0');
      console.log(ok ? `alert_gateway_bench: driver pinned to CPU ${last}, gateway to CPU 0 (of ${cpus})`
        : 'alert_gateway_bench: cannot pin (taskset missing or one CPU); running unpinned');
    }

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
      const g0 = cpuSeconds(stack.gateway.pid);
      const s0 = cpuSeconds(stack.server.pid);
      const d0 = process.cpuUsage();
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
      while (Date.now() < deadline && subs.some((s) => raised.some((id) => !s.seen.has(id)))) await sleep(50);
      const gatewayCpuS = cpuSeconds(stack.gateway.pid) - g0;
      const serverCpuS = cpuSeconds(stack.server.pid) - s0;
      const d = process.cpuUsage(d0);
      const driverCpuS = (d.user + d.system) / 1e6;
      for (const s of subs) s.ctl.abort();
      await Promise.all(subs.map((s) => s.done));
      return { label, sides, subs, raised, raiseErrors, achieved, gatewayCpuS, serverCpuS, driverCpuS };
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
    console.log(`\nCPU-seconds per 1,000 deliveries (gateway / smd-server / this driver), from the first alert to the last delivery`);
    console.log(`\n| phase | side | subscribers | alerts (rate) | deliveries | missing / dup | p50 | p99 | max | CPU-s per 1,000: gateway / server / driver |`);
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    const gatewayCpu: number[] = [];
    for (const ph of phases) {
      for (const side of ph.sides) {
        const ss = ph.subs.filter((s) => s.side === side);
        const lat = ss.flatMap((s) => ph.raised.map((id) => s.lat.get(id)).filter((x): x is number => x !== undefined));
        const missing = ss.reduce((n, s) => n + ph.raised.filter((id) => !s.seen.has(id)).length, 0);
        const dup = ss.reduce((n, s) => n + s.dup, 0);
        const errs = ss.flatMap((s) => s.errors);
        pooled[side].push(...lat);
        const name = side === 'gateway' ? 'through the gateway' : 'direct gRPC';
        const per1000 = (x: number) => (lat.length ? ((x * 1000) / lat.length).toFixed(3) : '-');
        if (ph.sides.length === 1 && side === 'gateway' && lat.length) gatewayCpu.push((ph.gatewayCpuS * 1000) / lat.length);
        console.log(`| ${ph.label} | ${name} | ${ss.length} | ${ph.raised.length} (${f1(ph.achieved)}/s) | ${lat.length} | ${missing} / ${dup} | `
          + (lat.length ? `${pct(lat, 50)} ms | ${pct(lat, 99)} ms | ${Math.max(...lat)} ms |` : '- | - | - |')
          + ` ${per1000(ph.gatewayCpuS)} / ${per1000(ph.serverCpuS)} / ${per1000(ph.driverCpuS)} |`);
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
      if (gatewayCpu.length) {
        console.log(`gateway CPU per 1,000 deliveries (load-independent figure): ${gatewayCpu.map((x) => x.toFixed(3)).join(' / ')} s in the gateway phases`);
      }
      // A phase that could not raise at the rate asked for ran on a saturated machine: its
      // latencies are queueing in whatever process lost the CPU, and the difference between
      // the sides is noise (seconds either way), not what the gateway adds.
      const slow = phases.filter((ph) => ph.achieved < 0.95 * o.rate);
      const verdict = slow.length
        ? `INCONCLUSIVE (${slow.map((ph) => `${ph.label} raised ${f1(ph.achieved)}/s`).join(', ')} of ${o.rate}/s: the machine is saturated)`
        : added <= 50 ? 'MET' : 'NOT MET';
      console.log(`gateway adds ${added} ms at p99, ${pct(g, 50) - pct(d, 50)} ms at p50 (${o.subscribers} subscribers each side, ${o.mode}; target <= 50 ms at p99): ${verdict}`);
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
