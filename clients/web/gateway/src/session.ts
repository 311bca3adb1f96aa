// The session cookie. The token smd-server returns at Login lives only here:
// `__Host-smd_session`, HttpOnly (no script reads it), Secure, SameSite=Strict (no
// cross-site request carries it), Path=/ and no Domain (the __Host- prefix enforces both).
export const COOKIE = '__Host-smd_session';

/** The session token in a Cookie header, or "". */
export function tokenFromCookie(header: string | null): string {
  if (!header) return '';
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === COOKIE) {
      const v = part.slice(eq + 1).trim();
      // Tokens are URL-safe base64 / hex; anything else is not ours and is not forwarded.
      return /^[A-Za-z0-9._~+/=-]{1,512}$/.test(v) ? v : '';
    }
  }
  return '';
}

/**
 * A marker the page may read: "a session cookie was set" (no secret in it), so a page
 * opened without a session does not ask WhoAmI just to be told 401.
 */
export const MARKER = 'smd_signed_in';

/** Set-Cookie headers for a new session; they expire with the server's absolute expiry. */
export function sessionCookies(token: string, maxAgeSeconds: number): string[] {
  const age = Math.max(0, Math.floor(maxAgeSeconds));
  return [
    `${COOKIE}=${token}; Path=/; Max-Age=${age}; HttpOnly; Secure; SameSite=Strict`,
    `${MARKER}=1; Path=/; Max-Age=${age}; Secure; SameSite=Strict`,
  ];
}

/** Set-Cookie headers that remove the session cookie and its marker. */
export function clearedCookies(): string[] {
  return [
    `${COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`,
    `${MARKER}=; Path=/; Max-Age=0; Secure; SameSite=Strict`,
  ];
}
