// The fast path for what the pages send most: a unary call in the Connect protocol's binary
// form (application/proto, uncompressed). Its body is already the protobuf message that
// gRPC wants, so the gateway passes the bytes through with gRPC's 5-byte frame around them,
// and back, without decoding or encoding anything. Measured on the 2-core test machine this
// costs about 0.1 ms per call where the generic connect-node forwarding costs about 0.7 ms
// (docs/performance.md "Web gateway"). Binary server streams take a fast path too
// (passThroughStream). Everything else (JSON, compressed bodies, Login and Logout with their
// cookie) takes the generic path in forward.ts; both send the same metadata upstream and give
// the same errors.
import * as http2 from 'node:http2';
import * as zlib from 'node:zlib';
import { Code } from '@connectrpc/connect';
import { fromBinary, type DescMethod, type DescService } from '@bufbuild/protobuf';
import type { Req, Res } from './guard';
import { codeName, type CallRecord } from './forward';
import { tokenFromCookie } from './session';
import { describeError, type Logger } from './log';

const { NGHTTP2_CANCEL } = http2.constants;

/** Paths ("/smd.v1.X/Y") of the unary methods that may take the fast path. */
export function fastPaths(services: readonly DescService[], exclude: readonly string[]): Map<string, DescMethod> {
  const paths = new Map<string, DescMethod>();
  for (const s of services) {
    for (const m of s.methods) {
      const name = `${s.typeName}/${m.name}`;
      if (m.methodKind === 'unary' && !exclude.includes(name)) paths.set(`/${name}`, m);
    }
  }
  return paths;
}

/**
 * gRPC's C++ server answers both a request it cannot parse and a method it does not have
 * with UNIMPLEMENTED and no message. The fast path never decodes, so it looks here, on that
 * error only: a body that does not decode as the method's request is the caller's error.
 * Otherwise either remains (an invalid UTF-8 string decodes here but not in C++; a server
 * older than the protos lacks the method), and the message says both.
 */
function unparsed(method: DescMethod, body: Buffer): { code: Code; message: string } {
  try {
    fromBinary(method.input, body);
  } catch {
    return {
      code: Code.InvalidArgument,
      message: `请求无法解码 (request body is not a valid ${method.input.typeName})`,
    };
  }
  return {
    code: Code.Unimplemented,
    message: '服务器无法处理此请求：没有此方法或请求无法解析 (smd-server has no such method, or the request does not parse)',
  };
}

/** A request the fast path takes: binary Connect unary, uncompressed. */
export function isFastRequest(req: Req): boolean {
  const enc = req.headers['content-encoding'];
  return req.headers['content-type'] === 'application/proto' && (enc === undefined || enc === 'identity');
}

export interface UpstreamOptions {
  /** https://host:port (http:// for tests with a plaintext stand-in). */
  url: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  log: Logger;
}

/** The upstream connection's HTTP/2 receive window (UpstreamSession.get). */
export const CONNECTION_WINDOW_BYTES = 8 * 1024 * 1024;

/**
 * One HTTP/2 connection to smd-server, made when first needed and again after it closes.
 * Pinged every 310 s (gRPC servers refuse pings more often than every 5 min without data);
 * a ping without an answer within 15 s drops the connection.
 */
export class UpstreamSession {
  private session: http2.ClientHttp2Session | null = null;
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly opts: UpstreamOptions) {
    this.pinger = setInterval(() => this.ping(), 310_000);
    this.pinger.unref();
  }

  get(): http2.ClientHttp2Session {
    const s = this.session;
    if (s && !s.closed && !s.destroyed) return s;
    const { url, ca, cert, key, servername, log } = this.opts;
    const fresh = http2.connect(url, { ca, cert, key, servername, minVersion: 'TLSv1.2' });
    // Every browser's alert stream shares this one connection: one alert to 200 officers is
    // 200 DATA frames in one burst, more than HTTP/2's default 64 KB connection window, so
    // smd-server would wait for the gateway's WINDOW_UPDATE (a trip through a busy event
    // loop) in the middle of every fan-out. Node gives the connection window back as soon
    // as bytes arrive, whether or not a stream is paused (a paused stream holds only its own
    // 64 KB stream window), so a larger connection window costs no memory by itself.
    fresh.once('connect', () => {
      try {
        fresh.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
      } catch (e) {
        log(`upstream connection: cannot widen the flow-control window: ${describeError(e)}`);
      }
    });
    fresh.on('error', (e) => log(`upstream connection: ${describeError(e)}`));
    fresh.on('goaway', () => {
      if (this.session === fresh) this.session = null;
    });
    fresh.on('close', () => {
      if (this.session === fresh) this.session = null;
    });
    fresh.unref();
    this.session = fresh;
    return fresh;
  }

  private ping(): void {
    const s = this.session;
    if (!s || s.closed || s.destroyed) return;
    const timer = setTimeout(() => s.destroy(), 15_000);
    timer.unref();
    s.ping((err) => {
      clearTimeout(timer);
      if (err) s.destroy();
    });
  }

  close(): void {
    clearInterval(this.pinger);
    this.session?.close();
  }
}

/** HTTP status of a Connect error answer, by code (connectrpc.com/docs/protocol). */
const HTTP_OF_CODE: Record<number, number> = {
  [Code.Canceled]: 499, [Code.Unknown]: 500, [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504, [Code.NotFound]: 404, [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403, [Code.ResourceExhausted]: 429, [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409, [Code.OutOfRange]: 400, [Code.Unimplemented]: 501, [Code.Internal]: 500,
  [Code.Unavailable]: 503, [Code.DataLoss]: 500, [Code.Unauthenticated]: 401,
};

const MSG_UNAVAILABLE = '无法连接服务器，请稍后再试 (cannot reach smd-server; try again later)';
const MSG_DEADLINE = '请求超时 (deadline exceeded)';
const MSG_PROTOCOL = '网关与服务器通信出错 (gateway error talking to smd-server)';

/** Answers from this size on go gzip-compressed when the browser accepts it. */
const GZIP_MIN_BYTES = 8 * 1024;

/** Largest answer accepted from smd-server (as the generic path's readMaxBytes). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export interface PassContext {
  method: string;
  desc: DescMethod;
  remoteAddress: string;
  maxBodyBytes: number;
  rec: CallRecord;
  log: Logger;
}

function sendError(res: Res, rec: CallRecord, code: Code, message: string, extra: Record<string, string> = {}): void {
  rec.code = codeName(code);
  if (res.headersSent || res.writableEnded) return;
  const body = JSON.stringify({ code: codeName(code), message });
  res.writeHead(HTTP_OF_CODE[code] ?? 500, {
    ...extra,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Reads the request body up to the limit; null (and the answer sent) when over it. */
function readBody(req: Req, res: Res, ctx: PassContext): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > ctx.maxBodyBytes) {
        over = true;
        sendError(res, ctx.rec, Code.ResourceExhausted,
          `请求过大，上限 ${ctx.maxBodyBytes} 字节 (request body larger than the limit of ${ctx.maxBodyBytes} bytes)`);
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', () => resolve(null));
    req.on('aborted', () => resolve(null));
  });
}

const PASS_THROUGH: [string, RegExp][] = [
  ['x-request-id', /^[A-Za-z0-9._-]{1,64}$/],
  ['idempotency-key', /^[\x21-\x7e]{1,128}$/],
];

/**
 * The gRPC request headers of a fast-path call or stream: the session token from the cookie,
 * the browser's address, and the headers passed through when well formed.
 */
function upstreamHeaders(req: Req, ctx: PassContext): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ':method': 'POST',
    ':path': `/${ctx.method}`,
    'content-type': 'application/grpc+proto',
    te: 'trailers',
  };
  const token = tokenFromCookie(typeof req.headers.cookie === 'string' ? req.headers.cookie : null);
  if (token) headers.authorization = `Bearer ${token}`;
  if (ctx.remoteAddress) headers['x-forwarded-for'] = ctx.remoteAddress;
  for (const [name, form] of PASS_THROUGH) {
    const v = req.headers[name];
    if (typeof v === 'string' && form.test(v)) headers[name] = v;
  }
  return headers;
}

/** Forwards one fast-path call; resolves when the answer is written. */
export async function passThrough(req: Req, res: Res, upstream: UpstreamSession, ctx: PassContext): Promise<void> {
  const body = await readBody(req, res, ctx);
  if (body === null || res.writableEnded || res.destroyed) return;

  const headers = upstreamHeaders(req, ctx);
  // The browser's deadline: Connect's connect-timeout-ms becomes gRPC's grpc-timeout, and
  // the gateway gives up itself too if smd-server does not answer in time.
  const timeoutHeader = req.headers['connect-timeout-ms'];
  let timeoutMs = 0;
  if (typeof timeoutHeader === 'string') {
    if (!/^\d{1,10}$/.test(timeoutHeader)) {
      sendError(res, ctx.rec, Code.InvalidArgument, '请求头 connect-timeout-ms 无效 (invalid connect-timeout-ms)');
      return;
    }
    timeoutMs = Number(timeoutHeader);
    headers['grpc-timeout'] = `${timeoutMs}m`;
  }

  const frame = Buffer.allocUnsafe(5);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(body.length, 1);

  const t0 = process.hrtime.bigint();
  let stream: http2.ClientHttp2Stream;
  try {
    stream = upstream.get().request(headers);
  } catch (e) {
    ctx.log(`upstream ${ctx.method}: Unavailable ${describeError(e)}`);
    sendError(res, ctx.rec, Code.Unavailable, MSG_UNAVAILABLE);
    return;
  }

  await new Promise<void>((done) => {
    let finished = false;
    const meta: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let size = 0;
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    let httpStatus = 0;
    let timer: NodeJS.Timeout | undefined;

    const finish = (write: () => void) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      ctx.rec.upstreamMs = Number(process.hrtime.bigint() - t0) / 1e6;
      res.off('close', onBrowserGone);
      write();
      done();
    };
    const onBrowserGone = () => {
      if (finished) return;
      stream.close(NGHTTP2_CANCEL);
      finish(() => { ctx.rec.code = 'canceled'; });
    };
    res.once('close', onBrowserGone);
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        stream.close(NGHTTP2_CANCEL);
        finish(() => sendError(res, ctx.rec, Code.DeadlineExceeded, MSG_DEADLINE, meta));
      }, timeoutMs + 50);
      timer.unref();
    }

    const takeStatus = (h: http2.IncomingHttpHeaders) => {
      if (typeof h['grpc-status'] === 'string') grpcStatus = h['grpc-status'];
      if (typeof h['grpc-message'] === 'string') grpcMessage = h['grpc-message'];
      const replayed = h['idempotency-replayed'];
      if (typeof replayed === 'string') meta['trailer-idempotency-replayed'] = replayed;
    };
    stream.on('response', (h) => {
      httpStatus = Number(h[':status']);
      const id = h['x-request-id'];
      if (typeof id === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(id)) meta['x-request-id'] = id;
      takeStatus(h);  // a trailers-only answer carries the status in its headers
    });
    stream.on('trailers', takeStatus);
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_ANSWER_BYTES) {
        stream.close(NGHTTP2_CANCEL);
        finish(() => sendError(res, ctx.rec, Code.ResourceExhausted, MSG_PROTOCOL, meta));
        return;
      }
      chunks.push(c);
    });
    stream.on('error', (e) => {
      if (finished) return;
      ctx.log(`upstream ${ctx.method}: Unavailable ${describeError(e)}`);
      finish(() => sendError(res, ctx.rec, Code.Unavailable, MSG_UNAVAILABLE, meta));
    });
    stream.on('close', () => {
      if (finished) return;
      if (grpcStatus === undefined) {
        // No gRPC answer: a connection that failed or was reset, or not smd-server at all.
        const code = httpStatus === 0 || httpStatus >= 502 ? Code.Unavailable : Code.Internal;
        ctx.log(`upstream ${ctx.method}: ${Code[code]} (no grpc-status, http ${httpStatus})`);
        finish(() => sendError(res, ctx.rec, code, code === Code.Unavailable ? MSG_UNAVAILABLE : MSG_PROTOCOL, meta));
        return;
      }
      const status = Number(grpcStatus);
      if (status !== 0) {
        let message = grpcMessage;
        try {
          message = decodeURIComponent(grpcMessage);
        } catch {
          // Not percent-encoded after all: pass it as it came.
        }
        let code = Code[status] === undefined ? Code.Unknown : (status as Code);
        if (code === Code.Unimplemented && !message) ({ code, message } = unparsed(ctx.desc, body));
        finish(() => sendError(res, ctx.rec, code, message, meta));
        return;
      }
      // One message: flag byte 0 (uncompressed; the gateway offers no compression upstream),
      // then its length, then exactly that many bytes.
      const all = Buffer.concat(chunks, size);
      if (all.length < 5 || all[0] !== 0 || all.readUInt32BE(1) !== all.length - 5) {
        ctx.log(`upstream ${ctx.method}: Internal (malformed answer frame)`);
        finish(() => sendError(res, ctx.rec, Code.Internal, MSG_PROTOCOL, meta));
        return;
      }
      finish(() => {
        ctx.rec.code = 'ok';
        if (res.headersSent || res.writableEnded) return;
        const message = all.subarray(5);
        const accept = req.headers['accept-encoding'];
        if (message.length < GZIP_MIN_BYTES || typeof accept !== 'string' || !/\bgzip\b/.test(accept)) {
          res.writeHead(200, { ...meta, 'content-type': 'application/proto', 'content-length': message.length });
          res.end(message);
          return;
        }
        // Long lists over a slow line: gzip at its fastest level (a 100 KB page in ~1 ms).
        zlib.gzip(message, { level: 1 }, (err, packed) => {
          if (res.headersSent || res.writableEnded) return;
          if (err) {
            res.writeHead(200, { ...meta, 'content-type': 'application/proto', 'content-length': message.length });
            res.end(message);
            return;
          }
          res.writeHead(200, {
            ...meta, 'content-type': 'application/proto', 'content-encoding': 'gzip',
            'content-length': packed.length,
          });
          res.end(packed);
        });
      });
    });
    stream.end(Buffer.concat([frame, body], 5 + body.length));
  });
}

/** A server-stream request the fast path takes: binary Connect streaming, uncompressed. */
export function isFastStreamRequest(req: Req): boolean {
  const enc = req.headers['connect-content-encoding'];
  return req.headers['content-type'] === 'application/connect+proto' && (enc === undefined || enc === 'identity');
}

/** Paths of the server-streaming methods (SubscribeAlerts) for the stream fast path. */
export function fastStreamPaths(services: readonly DescService[]): Map<string, DescMethod> {
  const paths = new Map<string, DescMethod>();
  for (const s of services) {
    for (const m of s.methods) if (m.methodKind === 'server_streaming') paths.set(`/${s.typeName}/${m.name}`, m);
  }
  return paths;
}

function endStream(error?: { code: Code; message: string }): Buffer {
  const json = Buffer.from(JSON.stringify(error ? { error: { code: codeName(error.code), message: error.message } } : {}));
  const head = Buffer.allocUnsafe(5);
  head.writeUInt8(0x02, 0);
  head.writeUInt32BE(json.length, 1);
  return Buffer.concat([head, json]);
}

/**
 * Forwards one server stream without decoding it. A gRPC length-prefixed message and a
 * Connect streaming envelope have the same 5-byte frame (flag, big-endian length), so the
 * request body goes upstream as it came and smd-server's DATA comes back to the browser as
 * it is; only the end of the stream is made here, from the gRPC trailers (Connect's
 * end-stream envelope with the error, if any). The generic path decoded and re-encoded
 * every message, which at 10 000 alert copies a second (200 subscribers, 50 alerts/s) fell
 * seconds behind (docs/performance.md). `stop` ends the stream with UNAVAILABLE when the
 * gateway stops (the page resumes from its cursor).
 */
export async function passThroughStream(req: Req, res: Res, upstream: UpstreamSession, ctx: PassContext,
  register: (stop: () => void) => () => void): Promise<void> {
  const body = await readBody(req, res, ctx);
  if (body === null || res.writableEnded || res.destroyed) return;
  // Exactly one uncompressed request message, as Connect sends it.
  if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) {
    sendError(res, ctx.rec, Code.InvalidArgument, '请求无法解码 (request body is not one enveloped message)');
    return;
  }
  const headers = upstreamHeaders(req, ctx);
  const timeoutHeader = req.headers['connect-timeout-ms'];
  if (typeof timeoutHeader === 'string') {
    if (!/^\d{1,10}$/.test(timeoutHeader)) {
      sendError(res, ctx.rec, Code.InvalidArgument, '请求头 connect-timeout-ms 无效 (invalid connect-timeout-ms)');
      return;
    }
    headers['grpc-timeout'] = `${timeoutHeader}m`;
  }

  let stream: http2.ClientHttp2Stream;
  try {
    stream = upstream.get().request(headers);
  } catch (e) {
    ctx.log(`upstream ${ctx.method}: Unavailable ${describeError(e)}`);
    sendError(res, ctx.rec, Code.Unavailable, MSG_UNAVAILABLE);
    return;
  }

  await new Promise<void>((done) => {
    let finished = false;
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    let httpStatus = 0;
    // Bytes still owed to the frame being passed on (so the end envelope never splits one).
    let owed = 0;
    const head = Buffer.alloc(5);
    let headHave = 0;
    let started = false;
    const meta: Record<string, string> = {};
    const start = () => {
      if (started || res.headersSent) return;
      started = true;
      res.writeHead(200, { ...meta, 'content-type': 'application/connect+proto' });
    };
    // Backpressure: when the browser reads slower than smd-server sends (a phone on a poor
    // line, a laptop going to sleep with the tab open), stop reading upstream until the
    // browser's side drains. HTTP/2 flow control then holds smd-server back on this stream
    // alone (its stream window; the shared connection's window is given back on arrival),
    // and smd-server fetches the next page from its outbox only once the last was written
    // (server/api/alert_service.cc), so nothing piles up anywhere: the gateway holds at most
    // the response's write buffer plus one chunk, and the stream's 64 KB window, per stream.
    // Before, every chunk was written whatever write() said and a stalled browser made the
    // gateway buffer without bound.
    const onDrain = () => { if (!finished) stream.resume(); };
    res.on('drain', onDrain);
    const finish = (error?: { code: Code; message: string }) => {
      if (finished) return;
      finished = true;
      forget();
      res.off('close', onBrowserGone);
      res.off('drain', onDrain);
      ctx.rec.code = error ? codeName(error.code) : 'ok';
      if (res.writableEnded || res.destroyed) { done(); return; }
      if (owed > 0 || headHave > 0) { res.destroy(); done(); return; }  // cut mid-frame: reset
      start();
      res.end(endStream(error));
      done();
    };
    const onBrowserGone = () => {
      if (finished) return;
      finished = true;
      forget();
      res.off('drain', onDrain);
      stream.close(NGHTTP2_CANCEL);
      ctx.rec.code = 'canceled';
      done();
    };
    const forget = register(() => {
      stream.close(NGHTTP2_CANCEL);
      finish({ code: Code.Unavailable, message: '网关正在停止，请重新连接 (gateway stopping; reconnect)' });
    });
    res.once('close', onBrowserGone);

    const takeStatus = (h: http2.IncomingHttpHeaders) => {
      if (typeof h['grpc-status'] === 'string') grpcStatus = h['grpc-status'];
      if (typeof h['grpc-message'] === 'string') grpcMessage = h['grpc-message'];
    };
    stream.on('response', (h) => {
      httpStatus = Number(h[':status']);
      const id = h['x-request-id'];
      if (typeof id === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(id)) meta['x-request-id'] = id;
      takeStatus(h);
      if (grpcStatus === undefined && httpStatus === 200) start();  // headers now: the page sees it live
    });
    stream.on('trailers', takeStatus);
    stream.on('data', (c: Buffer) => {
      if (finished) return;
      // Track frame boundaries; the bytes themselves pass unchanged.
      let i = 0;
      while (i < c.length) {
        if (owed > 0) {
          const n = Math.min(owed, c.length - i);
          owed -= n;
          i += n;
          continue;
        }
        const n = Math.min(5 - headHave, c.length - i);
        c.copy(head, headHave, i, i + n);
        headHave += n;
        i += n;
        if (headHave === 5) {
          headHave = 0;
          owed = head.readUInt32BE(1);
          if (head[0] !== 0 || owed > MAX_ANSWER_BYTES) {
            ctx.log(`upstream ${ctx.method}: Internal (unexpected frame flag ${head[0]})`);
            stream.close(NGHTTP2_CANCEL);
            res.destroy();
            finished = true;
            forget();
            res.off('close', onBrowserGone);
            res.off('drain', onDrain);
            ctx.rec.code = 'internal';
            done();
            return;
          }
        }
      }
      start();
      if (!(res as unknown as NodeJS.WritableStream).write(c)) stream.pause();
    });
    stream.on('error', (e) => {
      if (finished) return;
      ctx.log(`upstream ${ctx.method}: Unavailable ${describeError(e)}`);
      finish({ code: Code.Unavailable, message: MSG_UNAVAILABLE });
    });
    stream.on('close', () => {
      if (finished) return;
      if (grpcStatus === undefined) {
        const code = httpStatus === 0 || httpStatus >= 502 ? Code.Unavailable : Code.Internal;
        ctx.log(`upstream ${ctx.method}: ${Code[code]} (no grpc-status, http ${httpStatus})`);
        finish({ code, message: code === Code.Unavailable ? MSG_UNAVAILABLE : MSG_PROTOCOL });
        return;
      }
      const status = Number(grpcStatus);
      if (status === 0) { finish(); return; }
      let message = grpcMessage;
      try { message = decodeURIComponent(grpcMessage); } catch { /* as it came */ }
      finish({ code: Code[status] === undefined ? Code.Unknown : (status as Code), message });
    });
    stream.end(body);
  });
}
