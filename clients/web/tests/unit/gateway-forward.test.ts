// The gateway's forwarding (gateway/src/gateway.ts, forward.ts) against a stand-in for
// smd-server: a connect-node gRPC server on loopback (h2c), so that what arrives upstream,
// cancellation, deadlines, an upstream that is down, and stopping can be seen from both
// ends. The real server and browser are in tests/browser/gateway.test.mjs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as http2 from 'node:http2';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError, createClient, type ConnectRouter, type HandlerContext, type Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { AuthService } from '@/gen/smd/v1/auth_pb';
import { PatientService } from '@/gen/smd/v1/patients_pb';
import { AlertService } from '@/gen/smd/v1/alerts_pb';
import { createGateway, type Gateway } from '../../gateway/src/gateway';
import { UpstreamSession } from '../../gateway/src/passthrough';
import { StaticFiles } from '../../gateway/src/static';
import { COOKIE } from '../../gateway/src/session';

/** What the stand-in saw. */
const seen = {
  headers: [] as Headers[],
  streamAborted: null as null | (() => void),
  timeouts: [] as (number | undefined)[],
};

function upstreamRoutes(router: ConnectRouter) {
  router.service(AuthService, {
    login(req) {
      if (req.password !== 'right') throw new ConnectError('用户名或密码错误 (wrong user name or password)', Code.Unauthenticated);
      return { token: 'tok-123', expiresAt: { seconds: BigInt(Math.floor(Date.now() / 1000) + 3600) }, user: { username: req.username } };
    },
    logout(_req, ctx) {
      seen.headers.push(ctx.requestHeader);
      throw new ConnectError('未登录 (unauthenticated)', Code.Unauthenticated);
    },
    whoAmI(_req, ctx) {
      seen.headers.push(ctx.requestHeader);
      if (ctx.requestHeader.get('authorization') !== 'Bearer tok-123') {
        throw new ConnectError('未登录或登录已过期 (missing, invalid or expired token)', Code.Unauthenticated);
      }
      return { username: 'doctor', displayName: '测试医生' };
    },
  });
  router.service(PatientService, {
    async getPatient(req, ctx: HandlerContext) {
      seen.timeouts.push(ctx.timeoutMs());
      if (req.patientId === 'slow') {
        await new Promise((ok) => setTimeout(ok, 2000));
      }
      if (req.patientId === 'bad') throw new ConnectError('patient_id: 无效 (invalid)', Code.InvalidArgument);
      seen.headers.push(ctx.requestHeader);
      if (req.patientId === 'replay') ctx.responseTrailer.set('idempotency-replayed', 'true');
      if (req.patientId === 'big') return { patientId: 'big', details: { address: '某某路'.repeat(5000) } } as never;
      return { patientId: req.patientId, version: 3n };
    },
  });
  router.service(AlertService, {
    async *subscribeAlerts(req, ctx) {
      if (req.after === 999n) {
        throw new ConnectError('after: 游标超出您收到的最新预警，请从预警列表重新同步 (cursor is beyond your newest alert; resynchronise from your inbox)', Code.OutOfRange);
      }
      if (req.after === 500n) {
        yield { seq: 501n, cause: '风险'.repeat(40000) };  // a message bigger than one DATA frame
        yield { seq: 502n };
        return;
      }
      let aborted!: () => void;
      const gone = new Promise<void>((ok) => (aborted = ok));
      ctx.signal.addEventListener('abort', () => aborted());
      seen.streamAborted = null;
      yield { seq: req.after + 1n };
      yield { seq: req.after + 2n };
      await gone;
      seen.streamAborted = () => {};
    },
  });
}

let upstream: http2.Http2Server;
let front: http2.Http2Server;
let gw: Gateway;
let base = '';
const logs: string[] = [];

function listen(server: http2.Http2Server): Promise<number> {
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as AddressInfo).port)));
}

function pageHeaders(extra: Record<string, string> = {}): Interceptor {
  return (next) => async (req) => {
    req.header.set('x-smd-csrf', '1');
    // The gateway compares Origin with https://<host>; this test's front is h2c.
    req.header.set('origin', base.replace('http:', 'https:'));
    for (const [k, v] of Object.entries(extra)) req.header.set(k, v);
    return next(req);
  };
}

/** Binary (as the pages send: the fast path) or JSON (the generic path). */
let binary = true;
function browser(extra: Record<string, string> = {}) {
  return createConnectTransport({ baseUrl: base, httpVersion: '2', useBinaryFormat: binary, interceptors: [pageHeaders(extra)] });
}

async function post(path: string, headers: Record<string, string>, body: string | Buffer = '{}') {
  return new Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }>((ok, fail) => {
    const s = http2.connect(base);
    s.on('error', fail);
    const r = s.request({ ':method': 'POST', ':path': path, ...headers });
    let status = 0;
    let h: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    r.on('response', (rh) => { status = Number(rh[':status']); h = rh; });
    r.on('data', (c) => chunks.push(c));
    r.on('end', () => { s.close(); ok({ status, headers: h, body: Buffer.concat(chunks).toString() }); });
    r.on('error', fail);
    r.end(body);
  });
}

beforeAll(async () => {
  upstream = http2.createServer(connectNodeAdapter({ routes: upstreamRoutes, grpc: true, connect: false, grpcWeb: false }));
  const upPort = await listen(upstream);
  const pub = mkdtempSync(join(tmpdir(), 'smd-gw-test-'));
  writeFileSync(join(pub, 'index.html'), '<!doctype html><title>smd</title>');
  gw = createGateway({
    transport: createGrpcTransport({ baseUrl: `http://127.0.0.1:${upPort}` }),
    upstream: new UpstreamSession({ url: `http://127.0.0.1:${upPort}`, log: (l) => logs.push(l) }),
    files: new StaticFiles(pub), allowedOrigins: [], maxBodyBytes: 64 * 1024, log: (l) => logs.push(l),
  });
  front = http2.createServer(gw.handler as never);
  base = `http://127.0.0.1:${await listen(front)}`;
});

afterAll(() => {
  front?.close();
  upstream?.close();
});

type AlertMessageShape = { seq: bigint; cause: string };

describe('forwarding', () => {
  it('Login moves the token into the HttpOnly cookie and blanks it in the answer', async () => {
    let setCookie: string | null = null;
    const res = await createClient(AuthService, browser()).login(
      { username: 'doctor', password: 'right' },
      { onHeader: (h) => { setCookie = h.get('set-cookie'); } });
    expect(res.token).toBe('');
    expect(res.user?.username).toBe('doctor');
    expect(setCookie).toMatch(new RegExp(`${COOKIE}=tok-123; Path=/; Max-Age=\\d+; HttpOnly; Secure; SameSite=Strict`));
  });

  for (const format of ['binary', 'JSON'] as const) {
    describe(`${format} (${format === 'binary' ? 'fast path, as the pages send' : 'generic path'})`, () => {
      beforeAll(() => { binary = format === 'binary'; });
      afterAll(() => { binary = true; });
      it('a call carries the cookie\'s token, the browser\'s address and nothing else of the browser\'s headers', async () => {
        seen.headers = [];
        const res = await createClient(AuthService, browser({
          cookie: `${COOKIE}=tok-123; smd_signed_in=1`, 'x-forwarded-for': '6.6.6.6', 'x-request-id': 'abc-1',
          'idempotency-key': 'k1', 'x-other': 'secret',
        })).whoAmI({});
        expect(res.displayName).toBe('测试医生');
        const h = seen.headers[0];
        expect(h.get('authorization')).toBe('Bearer tok-123');
        expect(h.get('x-forwarded-for')).toBe('127.0.0.1');
        expect(h.get('x-request-id')).toBe('abc-1');
        expect(h.get('idempotency-key')).toBe('k1');
        expect(h.get('cookie')).toBeNull();
        expect(h.get('x-other')).toBeNull();
        expect(h.get('x-smd-csrf')).toBeNull();
        // Which path carried it: connect-node's transport names itself, the fast path does not.
        expect(h.get('user-agent')).toBe(format === 'binary' ? null : 'connect-es/2.0.4');
      });

      it('a malformed cookie is no session', async () => {
        seen.headers = [];
        const err = await createClient(AuthService, browser({ cookie: `${COOKIE}=bad token; ;;=` })).whoAmI({}).catch((e) => e);
        expect(ConnectError.from(err).code).toBe(Code.Unauthenticated);
        expect(seen.headers[0].get('authorization')).toBeNull();
      });

      it('passes smd-server\'s code and message through unchanged', async () => {
        const err = ConnectError.from(await createClient(PatientService, browser()).getPatient({ patientId: 'bad' }).catch((e) => e));
        expect(err.code).toBe(Code.InvalidArgument);
        expect(err.rawMessage).toBe('patient_id: 无效 (invalid)');
      });

      it('Logout clears the cookie even when the server no longer knows the session', async () => {
        let setCookie = '';
        await createClient(AuthService, browser({ cookie: `${COOKIE}=tok-123` })).logout({}, {
          onHeader: (h) => { setCookie = h.get('set-cookie') ?? ''; } });
        expect(setCookie).toContain(`${COOKIE}=; Path=/; Max-Age=0`);
      });

      it('passes the browser\'s deadline on', async () => {
        seen.timeouts = [];
        const err = ConnectError.from(await createClient(PatientService, browser())
          .getPatient({ patientId: 'slow' }, { timeoutMs: 300 }).catch((e) => e));
        expect(err.code).toBe(Code.DeadlineExceeded);
        expect(seen.timeouts[0]).toBeGreaterThan(0);
        expect(seen.timeouts[0]).toBeLessThanOrEqual(300);
      });

      it('compresses a long answer when the browser accepts gzip', async () => {
        const res = await createClient(PatientService, browser({ 'accept-encoding': 'gzip, br' })).getPatient({ patientId: 'big' });
        expect(res.details?.address.length).toBe(15000);
      });

      it('passes idempotency-replayed back as a trailer', async () => {
        let replayed: string | null = null;
        await createClient(PatientService, browser()).getPatient({ patientId: 'replay' }, {
          onTrailer: (t) => { replayed = t.get('idempotency-replayed'); } });
        expect(replayed).toBe('true');
      });
    });
  }

  it('a browser that closes a server stream cancels the upstream call', async () => {
    const ac = new AbortController();
    const got: bigint[] = [];
    const it = createClient(AlertService, browser()).subscribeAlerts({ after: 10n }, { signal: ac.signal });
    const done = (async () => {
      try {
        for await (const m of it) {
          got.push(m.seq);
          if (got.length === 2) ac.abort();
        }
      } catch { /* canceled */ }
    })();
    await done;
    expect(got).toEqual([11n, 12n]);
    for (let i = 0; i < 100 && !seen.streamAborted; i++) await new Promise((ok) => setTimeout(ok, 20));
    expect(seen.streamAborted).not.toBeNull();
    expect(gw.streams.size).toBe(0);
  });

  for (const b of [true, false]) {
    it(`a server stream's messages and its error pass both paths alike (${b ? 'binary: stream fast path' : 'JSON: generic'})`, async () => {
      binary = b;
      try {
        const got: AlertMessageShape[] = [];
        for await (const m of createClient(AlertService, browser()).subscribeAlerts({ after: 500n })) got.push(m);
        expect(got.map((m) => m.seq)).toEqual([501n, 502n]);
        expect(got[0].cause.length).toBe(80000);
        const err = ConnectError.from(await (async () => {
          for await (const _ of createClient(AlertService, browser()).subscribeAlerts({ after: 999n })) { /* none */ }
        })().catch((e) => e));
        expect(err.code).toBe(Code.OutOfRange);
        expect(err.rawMessage).toMatch(/^after: 游标超出.*\(cursor is beyond/);
      } finally {
        binary = true;
      }
    });
  }

  it('refuses unknown methods with UNIMPLEMENTED and oversized bodies naming the limit', async () => {
    const h = { 'content-type': 'application/json', 'connect-protocol-version': '1', 'x-smd-csrf': '1', origin: base.replace('http:', 'https:') };
    const unknown = await post('/smd.v1.AuthService/Nope', h);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 'unimplemented' });
    for (const [path, type] of [['/smd.v1.AuthService/Login', 'application/json'],
      ['/smd.v1.PatientService/GetPatient', 'application/proto']]) {
      // No content-length: the limit is found while reading, on either path.
      const big = await post(path, { ...h, 'content-type': type }, Buffer.alloc(70 * 1024, 0x20));
      expect(big.status).toBe(429);
      expect(JSON.parse(big.body)).toMatchObject({ code: 'resource_exhausted' });
      expect(JSON.parse(big.body).message).toContain(String(64 * 1024));
    }
    const big = await post('/smd.v1.AuthService/Login', h, Buffer.alloc(70 * 1024, 0x20));
    expect(big.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(big.headers['x-content-type-options']).toBe('nosniff');
    expect(big.headers['cache-control']).toBe('no-store');
  });

  it('the fast path gzips a long answer for a browser that accepts it, and only then', async () => {
    const h = { 'content-type': 'application/proto', 'connect-protocol-version': '1', 'x-smd-csrf': '1',
      origin: base.replace('http:', 'https:') };
    const msg = Buffer.from([0x0a, 3, ...Buffer.from('big')]);
    const packed = await post('/smd.v1.PatientService/GetPatient', { ...h, 'accept-encoding': 'gzip, br' }, msg);
    expect(packed.status).toBe(200);
    expect(packed.headers['content-encoding']).toBe('gzip');
    const plain = await post('/smd.v1.PatientService/GetPatient', h, msg);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(Number(plain.headers['content-length'])).toBeGreaterThan(Number(packed.headers['content-length']) * 5);
  });

  it('answers a handler that throws with INTERNAL and keeps serving', async () => {
    const broken = createGateway({
      transport: createGrpcTransport({ baseUrl: 'http://127.0.0.1:1' }),
      files: { serve() { throw new TypeError('boom with data 张三'); } } as unknown as StaticFiles,
      allowedOrigins: [], maxBodyBytes: 1024, log: (l) => logs.push(l),
    });
    const srv = http2.createServer(broken.handler as never);
    const port = await listen(srv);
    const res = await new Promise<number>((ok) => {
      const s = http2.connect(`http://127.0.0.1:${port}`);
      s.request({ ':path': '/' }).on('response', (h) => { ok(Number(h[':status'])); s.close(); }).end();
    });
    srv.close();
    expect(res).toBe(500);
    expect(logs.some((l) => l.startsWith('request failed: TypeError'))).toBe(true);
    expect(logs.join('\n')).not.toContain('张三');
  });

  it('an upstream that is down gives UNAVAILABLE with a Chinese-first message', async () => {
    const down = createGateway({
      transport: createGrpcTransport({ baseUrl: 'http://127.0.0.1:1' }),
      upstream: new UpstreamSession({ url: 'http://127.0.0.1:1', log: (l) => logs.push(l) }),
      files: gw ? new StaticFiles(mkdtempIndex()) : (null as never),
      allowedOrigins: [], maxBodyBytes: 1024, log: (l) => logs.push(l),
    });
    const srv = http2.createServer(down.handler as never);
    const saved = base;
    base = `http://127.0.0.1:${await listen(srv)}`;
    try {
      for (const b of [true, false]) {
        binary = b;
        const err = ConnectError.from(await createClient(AuthService, browser()).whoAmI({}).catch((e) => e));
        expect(err.code).toBe(Code.Unavailable);
        expect(err.rawMessage).toMatch(/^无法连接服务器.*\(cannot reach smd-server/);
      }
      binary = true;
      expect(logs.some((l) => /^upstream smd\.v1\.AuthService\/WhoAmI: Unavailable/.test(l))).toBe(true);
    } finally {
      base = saved;
      srv.close();
    }
  });

  it('logs one line per RPC with method, code and time, and no data', () => {
    const lines = logs.filter((l) => l.startsWith('rpc '));
    expect(lines.some((l) => /^rpc smd\.v1\.AuthService\/Login ok \d+\.\dms \(upstream \d+\.\dms\)$/.test(l))).toBe(true);
    expect(lines.some((l) => /^rpc smd\.v1\.PatientService\/GetPatient invalid_argument /.test(l))).toBe(true);
    expect(lines.some((l) => /^rpc smd\.v1\.AlertService\/SubscribeAlerts canceled /.test(l))).toBe(true);
    expect(lines.some((l) => /^rpc \(unknown\) unimplemented /.test(l) || /AuthService\/Nope unimplemented/.test(l))).toBe(true);
    const all = logs.join('\n');
    for (const secret of ['tok-123', '测试医生', 'doctor', 'right', '无效']) expect(all).not.toContain(secret);
  });

  it('stopping ends open streams with UNAVAILABLE at once and refuses new calls', async () => {
    const it = createClient(AlertService, browser()).subscribeAlerts({ after: 0n });
    const first = await it[Symbol.asyncIterator]().next();
    expect(first.value?.seq).toBe(1n);
    const ended = (async () => {
      try {
        for await (const _ of it) { /* drain */ }
        return 'ended';
      } catch (e) {
        return ConnectError.from(e);
      }
    })();
    const drained = gw.drain(5000);
    const err = await ended;
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
    await drained;
    const refused = ConnectError.from(await createClient(AuthService, browser()).whoAmI({}).catch((e) => e));
    expect(refused.code).toBe(Code.Unavailable);
  });
});

function mkdtempIndex(): string {
  const d = mkdtempSync(join(tmpdir(), 'smd-gw-test-'));
  writeFileSync(join(d, 'index.html'), '<!doctype html>');
  return d;
}
