// Checks every request passes before it reaches a handler, and the headers every answer
// carries (docs/web.md "Security model").
//
// RPCs (any path under /smd.): POST only (no state change, and no read either, over GET),
// the CSRF header the page's interceptor sets, and an Origin that is this site's own (or
// one configured). A failing request gets a Connect error and reaches nothing.
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
}

export function isRpcPath(path: string): boolean {
  return path.startsWith('/smd.');
}

function hostOf(req: Req): string {
  const h2 = (req.headers as Record<string, string | string[] | undefined>)[':authority'];
  const host = (typeof h2 === 'string' && h2) || req.headers.host || '';
  return host.toLowerCase();
}

/** Why an RPC request is refused, or null when it may go on. Pure apart from reading req. */
export function refuseRpc(req: Req, allowedOrigins: string[]): { code: string; status: number; message: string } | null {
  if (req.method !== 'POST') {
    return { code: 'unimplemented', status: 405, message: '只接受 POST (POST only)' };
  }
  if (req.headers[CSRF_HEADER] !== '1') {
    return { code: 'permission_denied', status: 403, message: `缺少请求头 ${CSRF_HEADER} (missing header ${CSRF_HEADER})` };
  }
  const origin = req.headers.origin;
  // Browsers send Origin on every POST; a request without one is not from our page.
  const own = `https://${hostOf(req)}`;
  if (typeof origin !== 'string' || (origin.toLowerCase() !== own && !allowedOrigins.includes(origin))) {
    return { code: 'permission_denied', status: 403, message: '来源不允许 (origin not allowed)' };
  }
  return null;
}

/** Writes a Connect unary error (JSON) and ends the answer. */
export function writeConnectError(res: Res, status: number, code: string, message: string): void {
  const body = JSON.stringify({ code, message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
