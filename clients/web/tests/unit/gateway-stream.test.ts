// The stream pass-through (gateway/src/passthrough.ts passThroughStream) against a raw gRPC
// stand-in for smd-server that writes as a well-behaved gRPC server does (the next message
// only when the last was taken: write() true or 'drain'), and raw HTTP/2 browsers that can
// stop reading. What is checked: a browser that stops reading holds smd-server back on its
// own stream instead of making the gateway buffer without bound, and does not hold back
// the other browsers on the shared upstream connection; a browser that goes away while
// held back cancels the upstream call; headers, end-of-stream and errors map to Connect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as http2 from 'node:http2';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { createGateway, type Gateway } from '../../gateway/src/gateway';
import { UpstreamSession } from '../../gateway/src/passthrough';
import { StaticFiles } from '../../gateway/src/static';
import { watchSession } from '../../gateway/src/liveness';

const PATH = '/smd.v1.AlertService/SubscribeAlerts';
const MSG_BYTES = 16 * 1024;

/** One upstream stream as the stand-in sees it. */
interface UpStream { after: number; written: number; closed: boolean; rst: number }
const ups: UpStream[] = [];

function frame(payload: Buffer, flag = 0): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt8(flag, 0);
  h.writeUInt32BE(payload.length, 1);
  return Buffer.concat([h, payload]);
}

/** SubscribeAlertsRequest{after} in protobuf (field 1, varint), as one envelope. */
function request(after: number): Buffer {
  return frame(Buffer.from([0x08, after]));
}

/**
 * The stand-in. `after` picks the behaviour: 1..9 sends `after` megabytes of 16 KB messages
 * and ends OK; 20 answers trailers-only UNAVAILABLE; 21 sends half a message and resets.
 */
function upstreamHandler(stream: http2.ServerHttp2Stream): void {
  stream.on('error', () => undefined);  // resets are what some cases are about
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    const after = body[6] ?? 0;
    const u: UpStream = { after, written: 0, closed: false, rst: 0 };
    ups.push(u);
    stream.on('close', () => { u.closed = true; u.rst = stream.rstCode ?? 0; });
    if (after === 20) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': encodeURIComponent('服务器忙 (busy)') }, { endStream: true });
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-request-id': 'req-42' }, { waitForTrailers: true });
    if (after === 21) {
      stream.write(frame(Buffer.alloc(MSG_BYTES, 7)).subarray(0, 1000));
      setTimeout(() => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR), 50);
      return;
    }
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    const total = after * 1024 * 1024;
    const msg = frame(Buffer.alloc(MSG_BYTES, after));
    const pump = () => {
      while (!stream.destroyed && u.written < total) {
        u.written += msg.length - 5;
        if (!stream.write(msg)) { stream.once('drain', pump); return; }
      }
      if (!stream.destroyed) stream.end();
    };
    pump();
  });
}

let upstream: http2.Http2Server;
let front: http2.Http2Server;
let gw: Gateway;
let base = '';
const logs: string[] = [];

function listen(server: http2.Http2Server): Promise<number> {
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  upstream = http2.createServer();
  upstream.on('stream', upstreamHandler);
  const upPort = await listen(upstream);
  const pub = mkdtempSync(join(tmpdir(), 'smd-gw-stream-'));
  writeFileSync(join(pub, 'index.html'), '<!doctype html>');
  gw = createGateway({
    transport: createGrpcTransport({ baseUrl: `http://127.0.0.1:${upPort}` }),
    upstream: new UpstreamSession({ url: `http://127.0.0.1:${upPort}`, log: (l) => logs.push(l) }),
    files: new StaticFiles(pub), allowedOrigins: [], maxBodyBytes: 64 * 1024, log: (l) => logs.push(l),
  });
  front = http2.createServer(gw.handler as never);
  // As main.ts does, with a short interval for the test.
  front.on('session', (s) => watchSession(s, { everyMs: 150, timeoutMs: 300 }));
  base = `http://127.0.0.1:${await listen(front)}`;
});

afterAll(() => {
  front?.close();
  upstream?.close();
});

/** A browser's stream: its own connection, reading only when told. */
function open(after: number, via = base) {
  const session = http2.connect(via);
  session.on('error', () => undefined);
  const r = session.request({
    ':method': 'POST', ':path': PATH, 'content-type': 'application/connect+proto',
    'connect-protocol-version': '1', 'x-smd-csrf': '1', origin: via.replace('http:', 'https:'),
  });
  r.on('error', () => undefined);
  const got = { headers: {} as http2.IncomingHttpHeaders, bytes: 0, chunks: [] as Buffer[], ended: false, closed: false };
  r.on('response', (h) => { got.headers = h; });
  r.on('data', (c: Buffer) => { got.bytes += c.length; got.chunks.push(c); });
  r.on('end', () => { got.ended = true; });
  r.on('close', () => { got.closed = true; session.close(); });
  r.end(request(after));
  return { r, session, got };
}

/** Splits what a browser received into Connect envelopes. */
function envelopes(all: Buffer): { flag: number; body: Buffer }[] {
  const out: { flag: number; body: Buffer }[] = [];
  for (let i = 0; i + 5 <= all.length;) {
    const n = all.readUInt32BE(i + 1);
    out.push({ flag: all[i], body: all.subarray(i + 5, i + 5 + n) });
    i += 5 + n;
  }
  return out;
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

/** Waits until the stand-in's writes on `u` stop advancing (held back) or it wrote all. */
async function settled(u: UpStream, total: number): Promise<void> {
  let last = -1;
  let since = Date.now();
  await until(() => {
    if (u.written !== last) { last = u.written; since = Date.now(); }
    return u.written >= total || Date.now() - since > 400;
  });
}

describe('stream pass-through', () => {
  it('a browser that stops reading holds smd-server back instead of filling the gateway', async () => {
    const total = 9 * 1024 * 1024;
    const b = open(9);
    b.r.pause();  // a phone gone quiet: reads nothing
    await until(() => ups.some((u) => u.after === 9));
    const u = ups.find((x) => x.after === 9)!;
    await settled(u, total);
    // Without backpressure the gateway read all 9 MB into its write buffer at once.
    expect(u.written).toBeLessThan(1024 * 1024);
    // Reading again, the browser gets everything, in order, then the end of the stream.
    b.r.resume();
    await until(() => b.got.ended);
    const env = envelopes(Buffer.concat(b.got.chunks));
    expect(env.length).toBe(total / MSG_BYTES + 1);
    expect(env.slice(0, -1).every((e) => e.flag === 0 && e.body.length === MSG_BYTES)).toBe(true);
    expect(env.at(-1)!.flag).toBe(2);
    expect(JSON.parse(env.at(-1)!.body.toString())).toEqual({});
    expect(b.got.headers['x-request-id']).toBe('req-42');
    expect(b.got.headers['content-type']).toBe('application/connect+proto');
  });

  it('a held-back browser does not hold back the others on the shared upstream connection', async () => {
    ups.length = 0;
    const slow = open(4);
    slow.r.pause();
    await until(() => ups.some((u) => u.after === 4));
    await settled(ups.find((u) => u.after === 4)!, 4 * 1024 * 1024);
    const fast = open(8);
    await until(() => fast.got.ended);
    expect(envelopes(Buffer.concat(fast.got.chunks)).length).toBe((8 * 1024 * 1024) / MSG_BYTES + 1);
    expect(ups.find((u) => u.after === 4)!.written).toBeLessThan(1024 * 1024);
    // The held-back browser closes: its upstream call is cancelled, nothing stays open.
    slow.r.close(http2.constants.NGHTTP2_CANCEL);
    await until(() => ups.find((u) => u.after === 4)!.closed);
    expect(ups.find((u) => u.after === 4)!.rst).toBe(http2.constants.NGHTTP2_CANCEL);
    await until(() => gw.streams.size === 0);
  });

  it('a trailers-only error becomes Connect\'s end-of-stream error, the message decoded', async () => {
    const b = open(20);
    await until(() => b.got.ended);
    expect(b.got.headers[':status']).toBe(200);
    const env = envelopes(Buffer.concat(b.got.chunks));
    expect(env.length).toBe(1);
    expect(env[0].flag).toBe(2);
    expect(JSON.parse(env[0].body.toString())).toEqual({ error: { code: 'unavailable', message: '服务器忙 (busy)' } });
  });

  it('an upstream reset in the middle of a message resets the browser\'s stream (no end that looks clean)', async () => {
    const b = open(21);
    await until(() => b.got.closed);
    expect(b.got.ended && envelopes(Buffer.concat(b.got.chunks)).some((e) => e.flag === 2)).toBe(false);
    expect(logs.some((l) => /SubscribeAlerts: Unavailable/.test(l))).toBe(true);
  });

  it('a browser gone without a word (asleep, off the network) is found by ping and its upstream call cancelled', async () => {
    // A TCP relay between browser and gateway that, on "sleep", stops passing bytes either
    // way and closes nothing: what a laptop's lid or a lost network looks like.
    const links: { a: net.Socket; b: net.Socket }[] = [];
    const relay = net.createServer((a) => {
      const b = net.connect(Number(new URL(base).port), '127.0.0.1');
      a.pipe(b);
      b.pipe(a);
      links.push({ a, b });
    });
    const port = await new Promise<number>((ok) => relay.listen(0, '127.0.0.1', () => ok((relay.address() as AddressInfo).port)));
    try {
      ups.length = 0;
      const b = open(1, `http://127.0.0.1:${port}`);
      b.r.pause();
      await until(() => ups.some((u) => u.after === 1));
      await until(() => Number(b.got.headers[':status']) === 200);
      for (const { a, b: c } of links) { a.unpipe(c); c.unpipe(a); a.pause(); c.pause(); }
      const u = ups.find((x) => x.after === 1)!;
      await until(() => u.closed, 5000);
      expect(u.rst).toBe(http2.constants.NGHTTP2_CANCEL);
      await until(() => gw.streams.size === 0);
      b.session.destroy();
    } finally {
      for (const { a, b: c } of links) { a.destroy(); c.destroy(); }
      relay.close();
    }
  }, 15_000);
});
