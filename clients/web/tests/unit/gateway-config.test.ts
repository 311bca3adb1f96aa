// The gateway's settings (gateway/src/config.ts): flags, environment, and refusals that
// name what is wrong.
import { describe, expect, it } from 'vitest';
import { parseConfig, UsageError } from '../../gateway/src/config';

const REQUIRED = ['--tls-cert', 'c.pem', '--tls-key', 'c.key', '--upstream-ca', 'ca.pem'];

function fails(argv: string[], env: Record<string, string> = {}): UsageError {
  try {
    parseConfig(argv, env, '/pub');
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseConfig', () => {
  it('has safe defaults: loopback listener, 4 MiB bodies, access log on', () => {
    const c = parseConfig(REQUIRED, {}, '/pub');
    expect(c).toMatchObject({
      listen: '127.0.0.1:8443', upstream: 'localhost:50051', staticDir: '/pub',
      maxBodyBytes: 4 * 1024 * 1024, allowedOrigins: [], accessLog: true, clientCert: '',
    });
  });

  it('reads flags in both forms, and the environment, the flag winning', () => {
    const c = parseConfig(
      [...REQUIRED, '--listen=0.0.0.0:443', '--upstream', 'smd.example:50051', '--access-log', 'off'],
      { SMD_GATEWAY_LISTEN: '127.0.0.1:1', SMD_GATEWAY_MAX_BODY_BYTES: '65536',
        SMD_GATEWAY_ALLOWED_ORIGINS: 'https://a.example, https://b.example' },
      '/pub');
    expect(c.listen).toBe('0.0.0.0:443');
    expect(c.upstream).toBe('smd.example:50051');
    expect(c.maxBodyBytes).toBe(65536);
    expect(c.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.accessLog).toBe(false);
  });

  it('takes everything from the environment (the systemd EnvironmentFile)', () => {
    const c = parseConfig([], {
      SMD_GATEWAY_TLS_CERT: '/x.pem', SMD_GATEWAY_TLS_KEY: '/x.key', SMD_GATEWAY_UPSTREAM_CA: '/ca.pem',
      SMD_GATEWAY_CLIENT_CERT: '/cl.pem', SMD_GATEWAY_CLIENT_KEY: '/cl.key', SMD_GATEWAY_LISTEN: '[::1]:8443',
    }, '/pub');
    expect(c).toMatchObject({ tlsCert: '/x.pem', clientCert: '/cl.pem', listen: '[::1]:8443' });
  });

  it('takes --watch-static as a switch (development only)', () => {
    expect(parseConfig(REQUIRED, {}, '/pub').watchStatic).toBe(false);
    expect(parseConfig([...REQUIRED, '--watch-static'], {}, '/pub').watchStatic).toBe(true);
    expect(parseConfig(REQUIRED, { SMD_GATEWAY_WATCH_STATIC: '1' }, '/pub').watchStatic).toBe(true);
    expect(fails([...REQUIRED, '--watch-static=yes']).message).toMatch(/takes no value/);
  });

  it('refuses what it cannot use, saying why', () => {
    expect(fails(['--nope']).message).toMatch(/unknown flag --nope/);
    expect(fails(['--listen']).message).toMatch(/needs a value/);
    expect(fails([]).message).toMatch(/--tls-cert and --tls-key are required/);
    expect(fails(['--tls-cert', 'a', '--tls-key', 'b']).message).toMatch(/--upstream-ca is required/);
    expect(fails([...REQUIRED, '--client-cert', 'x']).message).toMatch(/go together/);
    expect(fails([...REQUIRED, '--max-body-bytes', '10']).message).toMatch(/>= 1024/);
    expect(fails([...REQUIRED, '--max-body-bytes', '0x10000']).message).toMatch(/integer/);
    expect(fails([...REQUIRED, '--listen', '8443']).message).toMatch(/--listen must be HOST:PORT/);
    expect(fails([...REQUIRED, '--listen', 'h:70000']).message).toMatch(/HOST:PORT/);
    expect(fails([...REQUIRED, '--upstream', 'nohost']).message).toMatch(/--upstream must be HOST:PORT/);
    expect(fails([...REQUIRED, '--access-log', 'yes']).message).toMatch(/on or off/);
    expect(fails(['--help']).exitCode).toBe(0);
    expect(fails(['--nope']).exitCode).toBe(2);
  });
});
