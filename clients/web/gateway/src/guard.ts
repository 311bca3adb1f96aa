// Checks every request passes before it reaches a handler, and the headers every answer
// carries (docs/web.md "Security model").
//
// RPCs (any path under /smd.): POST only (no state change, and no read either, over GET),
// the CSRF header the page's interceptor sets, an Origin that is this site's own (or one
// configured), the Connect protocol only (its version header and one of its content types;
// no gRPC or gRPC-Web from browsers) and a body within the limit. A failing request gets a
// Connect error (JSON, Chinese first) and reaches nothing: no handler, no smd-server.
import type * as http from 'node:http';
import type * as http2 from 'node:http2';

export type Req = http.IncomingMessage | http2.Http2ServerRequest;
export type Res = http.ServerResponse | http2.Http2ServerResponse;

export const CSRF_HEADER = 'x-smd-csrf';

const CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export function securityHeaders(res: Res): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
}

/**
 * The headers of an RPC answer (never a document: binary or JSON, POST only): no framing, no
 * content sniffing, no caching (OWASP's set for APIs). HSTS comes with every page load; the
 * pages' other headers mean nothing to an answer that is never rendered, and each costs
 * header encoding on every call.
 */
export function apiHeaders(res: Res): void {
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
}

export function isRpcPath(path: string): boolean {
  return path.startsWith('/smd.');
}

/** "smd.v1.Service/Method" when the path has that shape, else "" (for logs: never raw input). */
export function methodOfPath(path: string): string {
  const m = /^\/(smd\.v\d+\.[A-Za-z]\w{0,63}\/[A-Za-z]\w{0,63})$/.exec(path);
  return m ? m[1] : '';
}

function hostOf(req: Req): string {
  const h2 = (req.headers as Record<string, string | string[] | undefined>)[':authority'];
  const host = (typeof h2 === 'string' && h2) || req.headers.host || '';
  return host.toLowerCase();
}

/** The content types of the Connect protocol (unary and streaming, binary and JSON). */
const CONNECT_TYPES = /^application\/(connect\+)?(proto|json)\s*(;.*)?$/i;

export interface Refusal { code: string; status: number; message: string }

/**
 * Why an RPC request is refused, or null when it may go on. Pure apart from reading the
 * request's method and headers (never its body).
 */
export function refuseRpc(req: Req, allowedOrigins: readonly string[], maxBodyBytes: number): Refusal | null {
  if (req.method !== 'POST') {
    return { code: 'unimplemented', status: 405, message: '只接受 POST 请求 (POST only)' };
  }
  if (req.headers[CSRF_HEADER] !== '1') {
    return { code: 'permission_denied', status: 403, message: `缺少请求头 ${CSRF_HEADER} (missing header ${CSRF_HEADER})` };
  }
  // Browsers send Origin on every POST; a request without one is not from our page.
  const origin = req.headers.origin;
  const host = hostOf(req);
  const own = host ? `https://${host}` : null;
  if (typeof origin !== 'string' || (origin.toLowerCase() !== own && !allowedOrigins.includes(origin))) {
    return { code: 'permission_denied', status: 403, message: '请求来源不允许 (origin not allowed)' };
  }
  if (req.headers['connect-protocol-version'] !== '1') {
    return {
      code: 'invalid_argument', status: 400,
      message: '缺少请求头 connect-protocol-version: 1 (missing header connect-protocol-version: 1)',
    };
  }
  const type = req.headers['content-type'];
  if (typeof type !== 'string' || !CONNECT_TYPES.test(type)) {
    return {
      code: 'invalid_argument', status: 415,
      message: '只接受 Connect 协议 (Connect protocol only: application/proto or application/json)',
    };
  }
  const length = req.headers['content-length'];
  if (length !== undefined && !(Number(length) <= maxBodyBytes)) {
    return {
      code: 'resource_exhausted', status: 429,
      message: `请求过大，上限 ${maxBodyBytes} 字节 (request body larger than the limit of ${maxBodyBytes} bytes)`,
    };
  }
  return null;
}

/** Writes a Connect unary error (JSON) and ends the answer. */
export function writeConnectError(res: Res, status: number, code: string, message: string): void {
  const body = JSON.stringify({ code, message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
