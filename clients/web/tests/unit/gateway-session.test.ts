// The session cookie (gateway/src/session.ts): only a well-formed token of our own cookie
// is ever forwarded; anything else is no session.
import { describe, expect, it } from 'vitest';
import { clearedCookies, COOKIE, sessionCookies, tokenFromCookie } from '../../gateway/src/session';

describe('tokenFromCookie', () => {
  it('finds our cookie among others', () => {
    expect(tokenFromCookie(`a=1; ${COOKIE}=abc.DEF_123-~; smd_signed_in=1`)).toBe('abc.DEF_123-~');
    expect(tokenFromCookie(`${COOKIE}=tok`)).toBe('tok');
  });
  it('treats a missing, empty or malformed cookie as no session', () => {
    for (const h of [null, '', 'a=1', `${COOKIE}=`, `${COOKIE}=%%%`, `${COOKIE}=a b`,
      `${COOKIE}="quoted"`, `${COOKIE}=${'x'.repeat(600)}`, `x${COOKIE}=tok`, ';;==;', `${COOKIE}`,
      `${COOKIE}=tok\r\nx: y`, `${COOKIE}=tok,evil`]) {
      expect(tokenFromCookie(h)).toBe('');
    }
  });
  it('does not take a cookie whose name merely contains ours', () => {
    expect(tokenFromCookie(`not-${COOKIE}=tok; other=1`)).toBe('');
  });
});

describe('session cookies', () => {
  it('are HttpOnly, Secure, SameSite=Strict, host-only, and live as long as the session', () => {
    const [session, marker] = sessionCookies('tok', 3600.7);
    expect(session).toBe(`${COOKIE}=tok; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Strict`);
    expect(session).not.toMatch(/Domain=/i);
    expect(marker).toMatch(/^smd_signed_in=1; .*Secure; SameSite=Strict$/);
    expect(marker).not.toMatch(/HttpOnly/);
    expect(sessionCookies('tok', -5)[0]).toMatch(/Max-Age=0;/);
  });
  it('are cleared at logout', () => {
    for (const c of clearedCookies()) expect(c).toMatch(/=; Path=\/; Max-Age=0;/);
  });
});
