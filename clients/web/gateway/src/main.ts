// smd web gateway: serves the built pages and forwards the page's Connect calls to
// smd-server over gRPC with TLS (docs/web.md). Stateless: any number may run side by side.
// Logs carry no bodies, names or ID numbers (the contract of server/common/log.h): only
// the method, the status code and the time taken (log.ts).
import * as http2 from 'node:http2';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { parseConfig, readPem, UsageError } from './config';
import { createGateway } from './gateway';
import { describeError, stderrLogger as log } from './log';
import { StaticFiles } from './static';
import { UpstreamSession } from './passthrough';
import { watchSession } from './liveness';

/** How long a stopping gateway lets unary calls finish (systemd's TimeoutStopSec is 30 s). */
const DRAIN_MS = 10_000;

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const cfg = parseConfig(process.argv.slice(2), process.env, join(here, 'public'));
  const upHost = splitHostPort(cfg.upstream)[0];
  const tls = {
    ca: readPem(cfg.upstreamCa, '--upstream-ca'),
    ...(cfg.clientCert
      ? { cert: readPem(cfg.clientCert, '--client-cert'), key: readPem(cfg.clientKey, '--client-key') }
      : {}),
    servername: /^[0-9.]+$|:/.test(upHost) ? undefined : upHost,
  };
  // Binary unary calls go through as bytes (passthrough.ts); the rest through connect-node.
  const upstream = new UpstreamSession({ url: `https://${cfg.upstream}`, ...tls, log });
  const transport = createGrpcTransport({
    baseUrl: `https://${cfg.upstream}`,
    nodeOptions: tls,
    idleConnectionTimeoutMs: 5 * 60_000,
    // Pings find a dead upstream connection under an idle alert stream. gRPC servers
    // (smd-server keeps gRPC's defaults) answer pings more often than every 5 minutes
    // without data with GOAWAY "too_many_pings" after two strikes, which killed every open
    // stream on the connection: with a 30 s interval, each idle SubscribeAlerts ended
    // INTERNAL after about 150 s. So: just over 5 minutes.
    pingIntervalMs: 310_000,
    readMaxBytes: 64 * 1024 * 1024,
  });
  let files: StaticFiles;
  try {
    files = new StaticFiles(cfg.staticDir, cfg.watchStatic);
  } catch (e) {
    throw new UsageError(`--static-dir ${cfg.staticDir}: ${(e as Error).message}`, 1);
  }
  const gw = createGateway({
    transport, upstream, files, allowedOrigins: cfg.allowedOrigins, maxBodyBytes: cfg.maxBodyBytes, log,
    accessLog: cfg.accessLog,
  });

  const server = http2.createSecureServer(
    {
      cert: readPem(cfg.tlsCert, '--tls-cert'),
      key: readPem(cfg.tlsKey, '--tls-key'),
      // HTTP/2 for browsers (an open alert stream then shares the connection instead of
      // taking one of six per origin); HTTP/1.1 for tools and old proxies.
      allowHTTP1: true,
      minVersion: 'TLSv1.2',
    },
    gw.handler as never,
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<Socket>();
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
    // A browser gone without a word (asleep, off the network) is found within about a
    // minute and its alert streams' upstream calls cancelled (liveness.ts).
    watchSession(s);
  });
  server.on('secureConnection', (sock: Socket) => {
    // HTTP/1.1 clients cannot be pinged: TCP keepalive probes find a peer that is gone.
    sock.setKeepAlive(true, 60_000);
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });

  const [host, port] = splitHostPort(cfg.listen);
  server.on('error', (e) => {
    log(`cannot listen on ${cfg.listen}: ${(e as NodeJS.ErrnoException).code ?? describeError(e)}`);
    process.exit(1);
  });
  server.listen(Number(port), host, () => {
    log(`listening on https://${cfg.listen}, forwarding to ${cfg.upstream}`);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping (${gw.streams.size} streams, ${gw.inflight} requests open)`);
    // No new connections; HTTP/2 clients get GOAWAY (their open calls go on).
    server.close();
    for (const s of sessions) s.close();
    void gw.drain(DRAIN_MS).then(() => {
      upstream.close();
      for (const sock of sockets) sock.destroy();
      log('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function splitHostPort(s: string): [string, string] {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i).replace(/^\[|\]$/g, ''), s.slice(i + 1)];
}

// A bug of ours or of a library must cost one request, not the process and every open
// alert stream with it. The line names the error's type and place only (log.ts).
process.on('unhandledRejection', (e) => log(`unhandled rejection: ${describeError(e)}`));
process.on('uncaughtException', (e) => log(`uncaught exception: ${describeError(e)}`));

try {
  main();
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(e.message + '\n');
    process.exit(e.exitCode);
  }
  log(`cannot start: ${describeError(e)}`);
  process.exit(1);
}
