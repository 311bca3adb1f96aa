// The gateway's request handler, apart from sockets and TLS (main.ts), so tests can mount it
// on a plain server with a transport of their choosing.
//
// Every request: the security headers; pages and assets from memory (static.ts); RPCs
// through the checks (guard.ts) to the generic forwarding (forward.ts). Whatever a request
// holds, the answer is a page, a Connect error or a closed stream: a handler that throws is
// answered with INTERNAL and logged, and never takes the process down.
import type { Transport } from '@connectrpc/connect';
import { createContextValues } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import {
  apiHeaders, isRpcPath, methodOfPath, refuseRpc, securityHeaders, writeConnectError, type Req, type Res,
} from './guard';
import { kCallRecord, kRemoteAddress, routes, StreamRegistry, type CallRecord } from './forward';
import { fastPaths, fastStreamPaths, isFastRequest, isFastStreamRequest, passThrough, passThroughStream, type UpstreamSession } from './passthrough';
import { SERVICES, AuthService } from './services';
import { describeError, type Logger } from './log';
import type { StaticFiles } from './static';

export interface GatewayOptions {
  /** The generic path to smd-server (connect-node gRPC transport). */
  transport: Transport;
  /** The fast path's connection to the same smd-server (passthrough.ts); none: generic only. */
  upstream?: UpstreamSession;
  files: StaticFiles;
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  log: Logger;
  /** One line per RPC: method, Connect code, milliseconds in all and upstream (default true). */
  accessLog?: boolean;
}

export interface Gateway {
  handler: (req: Req, res: Res) => void;
  /** Requests being answered now (pages and RPCs). */
  readonly inflight: number;
  /** Open server streams. */
  readonly streams: StreamRegistry;
  /**
   * Stop: new RPCs are refused with UNAVAILABLE, open streams end with UNAVAILABLE at once,
   * unary calls run to their end. Resolves when no request is left or after graceMs.
   */
  drain(graceMs: number): Promise<void>;
}

/** HTTP status -> Connect code, for answers written by connect-node itself (decode errors). */
function codeOfStatus(status: number): string {
  switch (status) {
    case 200: return 'ok';
    case 400: return 'invalid_argument';
    case 404: return 'unimplemented';
    case 408: return 'deadline_exceeded';
    case 415: return 'invalid_argument';
    case 429: return 'resource_exhausted';
    default: return `http_${status}`;
  }
}

export function createGateway(opts: GatewayOptions): Gateway {
  const { files, log } = opts;
  const accessLog = opts.accessLog ?? true;
  const streams = new StreamRegistry();
  const records = new WeakMap<object, CallRecord>();
  const rpc = connectNodeAdapter({
    routes: routes(opts.transport, streams, log),
    grpc: false,
    grpcWeb: false,
    connect: true,
    requireConnectProtocolHeader: true,
    readMaxBytes: opts.maxBodyBytes,
    contextValues: (req) =>
      createContextValues()
        .set(kRemoteAddress, remoteAddress(req))
        .set(kCallRecord, records.get(req) ?? { code: '' }),
    fallback: (_req, res) =>
      writeConnectError(res as unknown as Res, 404, 'unimplemented', '没有这个方法 (no such method)'),
  });

  // Login and Logout move the token to and from the cookie: they need the decoded message.
  const fast = fastPaths(SERVICES, [`${AuthService.typeName}/Login`, `${AuthService.typeName}/Logout`]);
  // Server streams (SubscribeAlerts) pass through undecoded too (passthrough.ts).
  const fastStreams = fastStreamPaths(SERVICES);
  const registerStream = (stop: () => void) => {
    const ac = new AbortController();
    ac.signal.addEventListener('abort', stop, { once: true });
    return streams.add(ac);
  };

  let inflight = 0;
  let stopping = false;
  let onIdle: (() => void) | null = null;

  const handler = (req: Req, res: Res) => {
    inflight++;
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      inflight--;
      if (inflight === 0) onIdle?.();
    };
    res.once('close', finished);
    res.once('finish', finished);
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (!isRpcPath(path)) {
        securityHeaders(res);
        files.serve(req, res);
        return;
      }
      apiHeaders(res);
      const method = methodOfPath(path) || '(unknown)';
      const start = process.hrtime.bigint();
      const rec: CallRecord = { code: '' };
      if (accessLog) {
        res.once('close', () => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          // The client reset an HTTP/2 stream, or an HTTP/1.1 answer was cut off: it left.
          const reset = 'stream' in res && (res.stream.rstCode ?? 0) !== 0;
          const code = rec.code || (reset || !res.writableFinished ? 'canceled' : codeOfStatus(res.statusCode));
          const up = rec.upstreamMs === undefined ? '' : ` (upstream ${rec.upstreamMs.toFixed(1)}ms)`;
          log(`rpc ${method} ${code} ${ms.toFixed(1)}ms${up}`);
        });
      }
      const refused = stopping
        ? { status: 503, code: 'unavailable', message: '网关正在停止，请重试 (gateway stopping; retry)' }
        : refuseRpc(req, opts.allowedOrigins, opts.maxBodyBytes);
      if (refused) {
        rec.code = refused.code;
        writeConnectError(res, refused.status, refused.code, refused.message);
        return;
      }
      const desc = opts.upstream && isFastRequest(req) ? fast.get(path) : undefined;
      if (opts.upstream && desc) {
        passThrough(req, res, opts.upstream, {
          method, desc, remoteAddress: remoteAddress(req), maxBodyBytes: opts.maxBodyBytes, rec, log,
        }).catch((e) => {
          log(`request failed: ${describeError(e)}`);
          rec.code = 'internal';
          if (!res.headersSent) writeConnectError(res, 500, 'internal', '网关内部错误 (gateway internal error)');
          else res.destroy();
        });
        return;
      }
      const streamDesc = opts.upstream && isFastStreamRequest(req) ? fastStreams.get(path) : undefined;
      if (opts.upstream && streamDesc) {
        passThroughStream(req, res, opts.upstream, {
          method, desc: streamDesc, remoteAddress: remoteAddress(req), maxBodyBytes: opts.maxBodyBytes, rec, log,
        }, registerStream).catch((e) => {
          log(`request failed: ${describeError(e)}`);
          rec.code = 'internal';
          if (!res.headersSent) writeConnectError(res, 500, 'internal', '网关内部错误 (gateway internal error)');
          else res.destroy();
        });
        return;
      }
      records.set(req, rec);
      rpc(req as never, res as never);
    } catch (e) {
      log(`request failed: ${describeError(e)}`);
      if (!res.headersSent) writeConnectError(res, 500, 'internal', '网关内部错误 (gateway internal error)');
      else res.destroy();
    }
  };

  return {
    handler,
    get inflight() {
      return inflight;
    },
    streams,
    drain(graceMs: number) {
      stopping = true;
      streams.stopAll();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        timer.unref?.();
        onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
        if (inflight === 0) onIdle();
      });
    },
  };
}

/**
 * The browser's own address (the TCP peer), as smd-server's x-forwarded-for wants it: one
 * IPv4 or IPv6 address, no port, no zone (docs/security.md "Behind the web gateway").
 */
export function remoteAddress(req: { socket?: { remoteAddress?: string } | null }): string {
  const a = (req.socket?.remoteAddress ?? '').split('%')[0];
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
