// The checks every RPC passes before it reaches anything (gateway/src/guard.ts).
import { describe, expect, it } from 'vitest';
import type { Req } from '../../gateway/src/guard';
import { isRpcPath, methodOfPath, refuseRpc } from '../../gateway/src/guard';

const HOST = 'smd.example:8443';
const GOOD = {
  host: HOST, origin: `https://${HOST}`, 'x-smd-csrf': '1', 'connect-protocol-version': '1',
  'content-type': 'application/proto', 'content-length': '12',
};

function req(headers: Record<string, string | undefined>, method = 'POST'): Req {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...GOOD, ...headers })) if (v !== undefined) h[k] = v;
  return { method, headers: h } as unknown as Req;
}

const refuse = (r: Req, origins: string[] = []) => refuseRpc(r, origins, 1024);

describe('refuseRpc', () => {
  it('lets the page\'s own calls through (HTTP/1.1 Host or HTTP/2 :authority)', () => {
    expect(refuse(req({}))).toBeNull();
    expect(refuse(req({ host: undefined, ':authority': HOST }))).toBeNull();
    expect(refuse(req({ 'content-type': 'application/connect+json' }))).toBeNull();
    expect(refuse(req({ 'content-type': 'application/json; charset=utf-8' }))).toBeNull();
    expect(refuse(req({ 'content-length': undefined }))).toBeNull();
  });
  it('refuses every method but POST', () => {
    for (const m of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      expect(refuse(req({}, m))).toMatchObject({ status: 405, code: 'unimplemented' });
    }
  });
  it('refuses a call without the CSRF header, naming it', () => {
    const r = refuse(req({ 'x-smd-csrf': undefined }));
    expect(r).toMatchObject({ status: 403, code: 'permission_denied' });
    expect(r!.message).toMatch(/^缺少请求头 x-smd-csrf .*\(missing header x-smd-csrf\)$/);
    expect(refuse(req({ 'x-smd-csrf': '0' }))?.code).toBe('permission_denied');
  });
  it('refuses another Origin, a missing one, and one that only resembles ours', () => {
    for (const origin of ['https://evil.example', undefined, 'null', `http://${HOST}`,
      `https://${HOST}.evil.example`, `https://${HOST}/`]) {
      expect(refuse(req({ origin }))).toMatchObject({ status: 403, code: 'permission_denied' });
    }
  });
  it('refuses when the request names no host at all', () => {
    expect(refuse(req({ host: undefined, origin: 'https://' }))?.code).toBe('permission_denied');
  });
  it('takes a configured extra origin', () => {
    expect(refuse(req({ origin: 'https://dev.example:5173' }), ['https://dev.example:5173'])).toBeNull();
  });
  it('asks for the Connect protocol: version header and content type', () => {
    expect(refuse(req({ 'connect-protocol-version': undefined }))).toMatchObject({ status: 400, code: 'invalid_argument' });
    for (const t of ['application/grpc', 'application/grpc-web+proto', 'text/plain', 'multipart/form-data', undefined]) {
      expect(refuse(req({ 'content-type': t }))).toMatchObject({ status: 415, code: 'invalid_argument' });
    }
  });
  it('refuses a body over the limit before reading it, naming the limit', () => {
    const r = refuse(req({ 'content-length': '1025' }));
    expect(r).toMatchObject({ status: 429, code: 'resource_exhausted' });
    expect(r!.message).toContain('1024');
    expect(refuse(req({ 'content-length': 'abc' }))?.code).toBe('resource_exhausted');
    expect(refuse(req({ 'content-length': '1024' }))).toBeNull();
  });
});

describe('paths', () => {
  it('knows RPC paths and logs only well-formed method names', () => {
    expect(isRpcPath('/smd.v1.AuthService/Login')).toBe(true);
    expect(isRpcPath('/login')).toBe(false);
    expect(methodOfPath('/smd.v1.AuthService/Login')).toBe('smd.v1.AuthService/Login');
    expect(methodOfPath('/smd.v1.AuthService/Login/x')).toBe('');
    expect(methodOfPath('/smd.v1.A/张三')).toBe('');
  });
});

describe('remoteAddress', () => {
  it('gives one bare address: IPv4-mapped IPv6 as IPv4, no zone', async () => {
    const { remoteAddress } = await import('../../gateway/src/gateway');
    const of = (a?: string) => remoteAddress({ socket: { remoteAddress: a } });
    expect(of('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(of('127.0.0.1')).toBe('127.0.0.1');
    expect(of('2001:db8::1')).toBe('2001:db8::1');
    expect(of('fe80::1%eth0')).toBe('fe80::1');
    expect(of(undefined)).toBe('');
  });
});
