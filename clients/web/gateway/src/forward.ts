// One generic loop over the generated service descriptors: each method is served to the
// browser (Connect protocol) and forwarded to smd-server (gRPC over TLS), unary and server
// streaming alike, with the caller's deadline and cancellation passed on. Only Login and
// Logout differ: the token moves between smd-server's answer and the HttpOnly cookie.
//
// Upstream metadata: authorization (from the cookie), x-forwarded-for (the browser's
// address; smd-server honours it only from the gateway's certificate identity,
// --trusted-gateway), x-request-id and idempotency-key (passed on when the page sent
// well-formed ones). Nothing else from the browser's headers goes upstream.
import {
  Code, ConnectError, createClient, createContextKey, type ConnectRouter, type HandlerContext,
  type Transport,
} from '@connectrpc/connect';
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { SERVICES, AuthService } from './services';
import { clearedCookies, sessionCookies, tokenFromCookie } from './session';
import { describeError, type Logger } from './log';

/** The browser's address, set per request by the adapter (gateway.ts). */
export const kRemoteAddress = createContextKey<string>('', { description: 'remote address' });

/**
 * Per call, for the access log (gateway.ts): the Connect code it ended with, and for unary
 * calls the time smd-server took as the gateway saw it (the rest is the gateway's own).
 */
export interface CallRecord { code: string; upstreamMs?: number }
export const kCallRecord = createContextKey<CallRecord>({ code: '' }, { description: 'call record' });

/** Headers passed through from the page, each with the form it must have. */
const PASS_THROUGH: [string, RegExp][] = [
  ['x-request-id', /^[A-Za-z0-9._-]{1,64}$/],
  ['idempotency-key', /^[\x21-\x7e]{1,128}$/],
];

/**
 * The open server streams (SubscribeAlerts), so that a stopping gateway can end them with
 * UNAVAILABLE at once (the page resumes from its last seq elsewhere, losslessly) while
 * unary calls finish.
 */
export class StreamRegistry {
  private readonly open = new Set<AbortController>();
  get size(): number {
    return this.open.size;
  }
  add(ac: AbortController): () => void {
    this.open.add(ac);
    return () => this.open.delete(ac);
  }
  stopAll(): void {
    for (const ac of this.open) ac.abort(STOPPING);
    this.open.clear();
  }
}

export const STOPPING = new ConnectError('网关正在停止，请重新连接 (gateway stopping; reconnect)', Code.Unavailable);

function upstreamHeaders(ctx: HandlerContext, token: string): Headers {
  const h = new Headers();
  if (token) h.set('authorization', `Bearer ${token}`);
  const addr = ctx.values.get(kRemoteAddress);
  if (addr) h.set('x-forwarded-for', addr);
  for (const [name, form] of PASS_THROUGH) {
    const v = ctx.requestHeader.get(name);
    if (v && form.test(v)) h.set(name, v);
  }
  return h;
}

function callOptions(ctx: HandlerContext, token: string, signal: AbortSignal = ctx.signal) {
  return {
    headers: upstreamHeaders(ctx, token),
    signal,
    timeoutMs: ctx.timeoutMs(),
    onHeader: (h: Headers) => {
      const id = h.get('x-request-id');
      if (id) ctx.responseHeader.set('x-request-id', id);
    },
    onTrailer: (t: Headers) => {
      const replayed = t.get('idempotency-replayed');
      if (replayed) ctx.responseTrailer.set('idempotency-replayed', replayed);
    },
  };
}

type AnyFn = (req: unknown, opts: unknown) => unknown;

/** Messages for errors that arise between the gateway and smd-server (not smd-server's own). */
const LOCAL_MESSAGES: Partial<Record<Code, string>> = {
  [Code.Unavailable]: '无法连接服务器，请稍后再试 (cannot reach smd-server; try again later)',
  [Code.DeadlineExceeded]: '请求超时 (deadline exceeded)',
  [Code.Canceled]: '已取消 (canceled)',
};

/**
 * The browser gets smd-server's code and message only. An upstream ConnectError carries the
 * gRPC response's metadata (content-type: application/grpc, grpc-status, ...); passed on as
 * it is, those would overwrite the Connect answer's own headers. An error without
 * grpc-status never came from smd-server (connection refused, TLS failure, deadline,
 * cancellation): it gets a Chinese-first message of our own, and the log names its kind.
 */
export function clean(e: unknown, log: Logger, method: string): ConnectError {
  if (e === STOPPING) return STOPPING;
  const ce = ConnectError.from(e);
  if (ce.metadata.has('grpc-status')) return new ConnectError(ce.rawMessage, ce.code);
  if (ce.code !== Code.Canceled && ce.code !== Code.DeadlineExceeded) {
    log(`upstream ${method}: ${Code[ce.code]} ${describeError(ce.cause ?? ce)}`);
  }
  return new ConnectError(
    LOCAL_MESSAGES[ce.code] ?? '网关与服务器通信出错 (gateway error talking to smd-server)', ce.code);
}

function record(ctx: HandlerContext, code: Code | 'ok', upstreamStart?: bigint): void {
  const r = ctx.values.get(kCallRecord);
  r.code = code === 'ok' ? 'ok' : codeName(code);
  if (upstreamStart !== undefined) r.upstreamMs = Number(process.hrtime.bigint() - upstreamStart) / 1e6;
}

export function codeName(code: Code): string {
  return Code[code].replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c.toLowerCase());
}

function methodImpl(client: Record<string, AnyFn>, m: DescMethod, streams: StreamRegistry, log: Logger) {
  const call = client[m.localName];
  const name = `${m.parent.typeName}/${m.name}`;
  if (m.methodKind === 'unary') {
    return async (req: unknown, ctx: HandlerContext) => {
      const token = tokenFromCookie(ctx.requestHeader.get('cookie'));
      const t0 = process.hrtime.bigint();
      try {
        const res = (await call(req, callOptions(ctx, token))) as object;
        record(ctx, 'ok', t0);
        return res;
      } catch (e) {
        const ce = clean(e, log, name);
        record(ctx, ce.code, t0);
        throw ce;
      }
    };
  }
  if (m.methodKind === 'server_streaming') {
    return async function* (req: unknown, ctx: HandlerContext) {
      const token = tokenFromCookie(ctx.requestHeader.get('cookie'));
      // Our own signal: aborted when the browser goes (ctx.signal) or the gateway stops.
      const ac = new AbortController();
      const onGone = () => ac.abort(ctx.signal.reason);
      if (ctx.signal.aborted) onGone();
      else ctx.signal.addEventListener('abort', onGone, { once: true });
      const forget = streams.add(ac);
      try {
        yield* call(req, callOptions(ctx, token, ac.signal)) as AsyncIterable<object>;
        // An aborted upstream call may end quietly instead of throwing.
        if (ac.signal.reason === STOPPING) throw STOPPING;
        record(ctx, ctx.signal.aborted ? Code.Canceled : 'ok');
      } catch (e) {
        const ce = ac.signal.reason === STOPPING ? STOPPING : clean(e, log, name);
        record(ctx, ce.code);
        throw ce;
      } finally {
        // Also reached when the browser goes away mid-stream (the generator is returned):
        // aborting here cancels the upstream call in every case.
        if (!ac.signal.aborted) ac.abort();
        // Neither ended nor failed: the generator was returned early, i.e. the browser left.
        if (ctx.values.get(kCallRecord).code === '') record(ctx, Code.Canceled);
        ctx.signal.removeEventListener('abort', onGone);
        forget();
      }
    };
  }
  // smd's API has no client or bidi streams; refuse rather than half-support them.
  return () => {
    throw new ConnectError('不支持的调用方式 (streaming kind not supported)', Code.Unimplemented);
  };
}

function serviceImpl(service: DescService, transport: Transport, streams: StreamRegistry, log: Logger) {
  const client = createClient(service, transport) as unknown as Record<string, AnyFn>;
  const impl: Record<string, unknown> = {};
  for (const m of service.methods) impl[m.localName] = methodImpl(client, m, streams, log);
  if (service.typeName === AuthService.typeName) {
    const login = impl['login'] as (req: unknown, ctx: HandlerContext) => Promise<object>;
    const logout = impl['logout'] as (req: unknown, ctx: HandlerContext) => Promise<object>;
    impl['login'] = async (req: unknown, ctx: HandlerContext) => {
      // Login never carries an old session upstream: the cookie is for the new one.
      ctx.requestHeader.delete('cookie');
      const res = (await login(req, ctx)) as { token: string; expiresAt?: { seconds: bigint } };
      const expires = res.expiresAt ? Number(res.expiresAt.seconds) * 1000 : Date.now() + 8 * 3600e3;
      for (const c of sessionCookies(res.token, (expires - Date.now()) / 1000)) {
        ctx.responseHeader.append('set-cookie', c);
      }
      return { ...res, token: '' };
    };
    impl['logout'] = async (req: unknown, ctx: HandlerContext) => {
      // The cookie goes whatever smd-server says: the user asked to sign out.
      for (const c of clearedCookies()) ctx.responseHeader.append('set-cookie', c);
      if (!tokenFromCookie(ctx.requestHeader.get('cookie'))) {
        record(ctx, 'ok');
        return {};
      }
      try {
        return await logout(req, ctx);
      } catch (e) {
        if (ConnectError.from(e).code !== Code.Unauthenticated) throw e;
        record(ctx, 'ok');
        return {};
      }
    };
  }
  return impl;
}

export function routes(transport: Transport, streams: StreamRegistry, log: Logger) {
  return (router: ConnectRouter) => {
    for (const s of SERVICES) {
      router.service(s, serviceImpl(s, transport, streams, log) as never);
    }
  };
}
