// One generic loop over the generated service descriptors: each method is served to the
// browser (Connect protocol) and forwarded to smd-server (gRPC over TLS), unary and server
// streaming alike, with the caller's cancellation passed on. Only Login and Logout differ:
// the token moves between smd-server's answer and the HttpOnly cookie.
//
// Upstream metadata: authorization (from the cookie), x-forwarded-for (the browser's
// address; smd-server trusts it only from the gateway's certificate identity), x-request-id,
// idempotency-key (passed through when the page sent one).
import {
  Code, ConnectError, createClient, createContextKey, type ConnectRouter, type HandlerContext,
  type Transport,
} from '@connectrpc/connect';
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { SERVICES, AuthService } from './services';
import { clearedCookies, sessionCookies, tokenFromCookie } from './session';

/** The browser's address, set per request by the adapter (main.ts). */
export const kRemoteAddress = createContextKey<string>('', { description: 'remote address' });

const PASS_THROUGH = ['x-request-id', 'idempotency-key'];

function upstreamHeaders(ctx: HandlerContext, token: string): Headers {
  const h = new Headers();
  if (token) h.set('authorization', `Bearer ${token}`);
  const addr = ctx.values.get(kRemoteAddress);
  if (addr) h.set('x-forwarded-for', addr);
  for (const name of PASS_THROUGH) {
    const v = ctx.requestHeader.get(name);
    if (v) h.set(name, v);
  }
  return h;
}

function callOptions(ctx: HandlerContext, token: string) {
  return {
    headers: upstreamHeaders(ctx, token),
    signal: ctx.signal,
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

/**
 * The browser gets smd-server's code and message only. An upstream ConnectError carries the
 * gRPC response's metadata (content-type: application/grpc, grpc-status, ...); passed on as
 * it is, those would overwrite the Connect answer's own headers.
 */
function clean(e: unknown): ConnectError {
  const ce = ConnectError.from(e);
  if (ce.code === Code.Canceled) return new ConnectError('已取消 (canceled)', Code.Canceled);
  return new ConnectError(ce.rawMessage, ce.code);
}

async function unary(call: AnyFn, req: unknown, opts: unknown): Promise<object> {
  try {
    return (await call(req, opts)) as object;
  } catch (e) {
    throw clean(e);
  }
}

function methodImpl(client: Record<string, AnyFn>, m: DescMethod) {
  const call = client[m.localName];
  if (m.methodKind === 'unary') {
    return async (req: unknown, ctx: HandlerContext) => {
      const token = tokenFromCookie(ctx.requestHeader.get('cookie'));
      return unary(call, req, callOptions(ctx, token));
    };
  }
  if (m.methodKind === 'server_streaming') {
    return async function* (req: unknown, ctx: HandlerContext) {
      const token = tokenFromCookie(ctx.requestHeader.get('cookie'));
      try {
        yield* call(req, callOptions(ctx, token)) as AsyncIterable<object>;
      } catch (e) {
        throw clean(e);
      }
    };
  }
  // smd's API has no client or bidi streams; refuse rather than half-support them.
  return () => {
    throw new ConnectError('不支持的调用方式 (streaming kind not supported)', Code.Unimplemented);
  };
}

function serviceImpl(service: DescService, transport: Transport) {
  const client = createClient(service, transport) as unknown as Record<string, AnyFn>;
  const impl: Record<string, unknown> = {};
  for (const m of service.methods) impl[m.localName] = methodImpl(client, m);
  if (service.typeName === AuthService.typeName) {
    const login = client['login'];
    const logout = client['logout'];
    impl['login'] = async (req: unknown, ctx: HandlerContext) => {
      const res = (await unary(login, req, callOptions(ctx, ''))) as {
        token: string;
        expiresAt?: { seconds: bigint };
      };
      const expires = res.expiresAt ? Number(res.expiresAt.seconds) * 1000 : Date.now() + 8 * 3600e3;
      for (const c of sessionCookies(res.token, (expires - Date.now()) / 1000)) {
        ctx.responseHeader.append('set-cookie', c);
      }
      return { ...res, token: '' };
    };
    impl['logout'] = async (req: unknown, ctx: HandlerContext) => {
      const token = tokenFromCookie(ctx.requestHeader.get('cookie'));
      // The cookie goes whatever smd-server says: the user asked to sign out.
      for (const c of clearedCookies()) ctx.responseHeader.append('set-cookie', c);
      if (!token) return {};
      try {
        return await unary(logout, req, callOptions(ctx, token));
      } catch (e) {
        if (ConnectError.from(e).code === Code.Unauthenticated) return {};
        throw e;
      }
    };
  }
  return impl;
}

export function routes(transport: Transport) {
  return (router: ConnectRouter) => {
    for (const s of SERVICES) {
      router.service(s, serviceImpl(s, transport) as never);
    }
  };
}
