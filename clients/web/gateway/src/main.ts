// smd web gateway: serves the built pages and forwards the page's Connect calls to
// smd-server over gRPC with TLS (docs/web.md). Stateless: any number may run side by side.
// Logs carry no bodies, names or ID numbers (the contract of server/common/log.h): only
// the method, the status code and the time taken.
import * as http2 from 'node:http2';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectNodeAdapter, createGrpcTransport } from '@connectrpc/connect-node';
import { createContextValues } from '@connectrpc/connect';
import { parseConfig, readPem, UsageError } from './config';
import { isRpcPath, refuseRpc, securityHeaders, writeConnectError, type Req, type Res } from './guard';
import { StaticFiles } from './static';
import { kRemoteAddress, routes } from './forward';

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} smd-gateway: ${msg}\n`);
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const cfg = parseConfig(process.argv.slice(2), process.env, join(here, 'public'));
  const [upHost, upPort] = splitHostPort(cfg.upstream);
  const transport = createGrpcTransport({
    baseUrl: `https://${cfg.upstream}`,
    nodeOptions: {
      ca: readPem(cfg.upstreamCa, '--upstream-ca'),
      ...(cfg.clientCert
        ? { cert: readPem(cfg.clientCert, '--client-cert'), key: readPem(cfg.clientKey, '--client-key') }
        : {}),
      servername: /^[0-9.]+$|:/.test(upHost) ? undefined : upHost,
    },
    idleConnectionTimeoutMs: 5 * 60_000,
    pingIntervalMs: 30_000,
    readMaxBytes: 64 * 1024 * 1024,
  });
  void upPort;
  const files = new StaticFiles(cfg.staticDir);
  const rpc = connectNodeAdapter({
    routes: routes(transport),
    grpc: false,
    grpcWeb: false,
    connect: true,
    requireConnectProtocolHeader: true,
    readMaxBytes: cfg.maxBodyBytes,
    contextValues: (req) => createContextValues().set(kRemoteAddress, remoteAddress(req)),
    fallback: (_req, res) => writeConnectError(res as unknown as Res, 404, 'unimplemented', '没有这个方法 (no such method)'),
  });

  const handler = (req: Req, res: Res) => {
    securityHeaders(res);
    const path = (req.url ?? '/').split('?')[0];
    if (!isRpcPath(path)) {
      files.serve(req, res);
      return;
    }
    const refused = refuseRpc(req, cfg.allowedOrigins);
    if (refused) {
      writeConnectError(res, refused.status, refused.code, refused.message);
      return;
    }
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (res.statusCode >= 500) log(`${path} http ${res.statusCode} ${ms.toFixed(1)} ms`);
    });
    rpc(req as never, res as never);
  };

  const server = http2.createSecureServer(
    {
      cert: readPem(cfg.tlsCert, '--tls-cert'),
      key: readPem(cfg.tlsKey, '--tls-key'),
      allowHTTP1: true,
      minVersion: 'TLSv1.2',
    },
    handler as never,
  );
  const [host, port] = splitHostPort(cfg.listen);
  server.on('error', (e) => {
    log(`cannot listen on ${cfg.listen}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    process.exit(1);
  });
  server.listen(Number(port), host, () => {
    log(`listening on https://${cfg.listen}, forwarding to ${cfg.upstream}`);
  });
  const stop = () => {
    log('stopping');
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function remoteAddress(req: { socket?: { remoteAddress?: string } }): string {
  const a = req.socket?.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function splitHostPort(s: string): [string, string] {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i).replace(/^\[|\]$/g, ''), s.slice(i + 1)];
}

try {
  main();
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(e.message + '\n');
    process.exit(e.exitCode);
  }
  throw e;
}
