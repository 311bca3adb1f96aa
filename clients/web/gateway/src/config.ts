// The gateway's settings: command-line flags, each also readable from an environment
// variable (the systemd unit's EnvironmentFile). Unknown flags are an error.
import { readFileSync } from 'node:fs';

export interface Config {
  /** host:port the browser side listens on (HTTPS, HTTP/2 with HTTP/1.1 fallback). */
  listen: string;
  tlsCert: string;
  tlsKey: string;
  /** smd-server's address, e.g. localhost:50051 (its certificate must name the host). */
  upstream: string;
  /** CA that signed smd-server's certificate. */
  upstreamCa: string;
  /** The gateway's client certificate and key for mutual TLS (optional). */
  clientCert: string;
  clientKey: string;
  /** Directory of the built pages (index.html, assets/). */
  staticDir: string;
  /** Origins allowed to make calls besides https://<Host> of the request itself. */
  allowedOrigins: string[];
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** One log line per RPC (method, code, milliseconds; never data). */
  accessLog: boolean;
  /** Development: reload the pages from disk when a build rewrites index.html. */
  watchStatic: boolean;
}

const FLAGS: Record<string, [keyof Config, string]> = {
  '--listen': ['listen', 'SMD_GATEWAY_LISTEN'],
  '--tls-cert': ['tlsCert', 'SMD_GATEWAY_TLS_CERT'],
  '--tls-key': ['tlsKey', 'SMD_GATEWAY_TLS_KEY'],
  '--upstream': ['upstream', 'SMD_GATEWAY_UPSTREAM'],
  '--upstream-ca': ['upstreamCa', 'SMD_GATEWAY_UPSTREAM_CA'],
  '--client-cert': ['clientCert', 'SMD_GATEWAY_CLIENT_CERT'],
  '--client-key': ['clientKey', 'SMD_GATEWAY_CLIENT_KEY'],
  '--static-dir': ['staticDir', 'SMD_GATEWAY_STATIC_DIR'],
  '--allowed-origins': ['allowedOrigins', 'SMD_GATEWAY_ALLOWED_ORIGINS'],
  '--max-body-bytes': ['maxBodyBytes', 'SMD_GATEWAY_MAX_BODY_BYTES'],
  '--access-log': ['accessLog', 'SMD_GATEWAY_ACCESS_LOG'],
  '--watch-static': ['watchStatic', 'SMD_GATEWAY_WATCH_STATIC'],
};
/** Flags that take no value. */
const SWITCHES = new Set(['--watch-static']);

export const USAGE = `usage: node gateway.mjs --tls-cert FILE --tls-key FILE --upstream-ca FILE [options]
  --listen HOST:PORT        browser side (default 127.0.0.1:8443)
  --tls-cert/--tls-key      the browser side's certificate and key (PEM)
  --upstream HOST:PORT      smd-server (default localhost:50051)
  --upstream-ca FILE        CA of smd-server's certificate
  --client-cert/--client-key  the gateway's client certificate for mutual TLS
  --static-dir DIR          built pages (default: public/ beside gateway.mjs)
  --allowed-origins LIST    extra origins allowed to call (comma-separated)
  --max-body-bytes N        largest request body (default 4194304)
  --access-log on|off       one line per RPC: method, code, milliseconds (default on)
  --watch-static            development: reload the pages when a build rewrites index.html
Each flag may also come from its environment variable (SMD_GATEWAY_LISTEN, ...).`;

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, defaultStatic: string): Config {
  const raw: Partial<Record<keyof Config, string>> = {};
  for (const [, [key, name]] of Object.entries(FLAGS)) {
    if (env[name]) raw[key] = env[name];
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === '-h' || flag === '--help') throw new UsageError(USAGE, 0);
    const f = FLAGS[flag];
    if (!f) throw new UsageError(`unknown flag ${flag}\n${USAGE}`, 2);
    if (SWITCHES.has(flag)) {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`, 2);
      raw[f[0]] = '1';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`, 2);
    raw[f[0]] = value;
  }
  const cfg: Config = {
    listen: raw.listen ?? '127.0.0.1:8443',
    tlsCert: raw.tlsCert ?? '',
    tlsKey: raw.tlsKey ?? '',
    upstream: raw.upstream ?? 'localhost:50051',
    upstreamCa: raw.upstreamCa ?? '',
    clientCert: raw.clientCert ?? '',
    clientKey: raw.clientKey ?? '',
    staticDir: raw.staticDir ?? defaultStatic,
    allowedOrigins: (raw.allowedOrigins ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    maxBodyBytes: Number(raw.maxBodyBytes ?? 4 * 1024 * 1024),
    accessLog: raw.accessLog !== 'off',
    watchStatic: raw.watchStatic === '1' || raw.watchStatic === 'true',
  };
  if (raw.accessLog !== undefined && raw.accessLog !== 'on' && raw.accessLog !== 'off') {
    throw new UsageError('--access-log must be on or off', 2);
  }
  if (!cfg.tlsCert || !cfg.tlsKey) throw new UsageError('--tls-cert and --tls-key are required (the browser side is HTTPS only)', 2);
  if (!cfg.upstreamCa) throw new UsageError('--upstream-ca is required (smd-server is reached over TLS)', 2);
  if (!!cfg.clientCert !== !!cfg.clientKey) throw new UsageError('--client-cert and --client-key go together', 2);
  if (!/^\d+$/.test(raw.maxBodyBytes ?? '0') || !Number.isSafeInteger(cfg.maxBodyBytes) || cfg.maxBodyBytes < 1024) {
    throw new UsageError('--max-body-bytes must be an integer >= 1024', 2);
  }
  for (const [flag, v] of [['--listen', cfg.listen], ['--upstream', cfg.upstream]]) {
    const m = /^(?:[^:[\]]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/.exec(v);
    if (!m || Number(m[1]) > 65535) throw new UsageError(`${flag} must be HOST:PORT`, 2);
  }
  return cfg;
}

export class UsageError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

export function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, 1);
  }
}
