// The built pages, held in memory with their gzip and brotli forms, so the first load is
// small and serving costs no compression per request. The build writes those forms beside
// each file (scripts/precompress.mjs: `x.js.br`, `x.js.gz`); only what it did not are made
// here at start (brotli at its best takes 20 s and more of a loaded 2-core machine, which
// every restart would otherwise pay). Paths without a
// file are the single-page app's routes: they get index.html. Hashed assets are cached for
// a year; index.html never (a new build takes effect at the next load).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, extname } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import type { Req, Res } from './guard';

interface Asset { body: Buffer; gzip?: Buffer; br?: Buffer; type: string; immutable: boolean }

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf',
  '.json': 'application/json', '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt', '.ttf']);

export class StaticFiles {
  private files = new Map<string, Asset>();
  private indexMtime = 0;

  /**
   * watch (development, --watch-static): before each request, reload everything when
   * index.html changed on disk (a `vite build --watch` rewrote it), without compressing.
   */
  constructor(private readonly dir: string, private readonly watch = false) {
    this.load();
  }

  private load(): void {
    const files = new Map<string, Asset>();
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith('.br') || name.endsWith('.gz')) continue;  // the forms below
        else this.add(files, '/' + relative(this.dir, p).split('\\').join('/'), readFileSync(p), p);
      }
    };
    walk(this.dir);
    if (!files.has('/index.html')) throw new Error(`no index.html in ${this.dir} (run npm run build)`);
    this.files = files;
    this.indexMtime = statSync(join(this.dir, 'index.html')).mtimeMs;
  }

  private reloadIfChanged(): void {
    try {
      if (statSync(join(this.dir, 'index.html')).mtimeMs !== this.indexMtime) this.load();
    } catch {
      // A build in progress: keep serving the previous files.
    }
  }

  private add(files: Map<string, Asset>, path: string, body: Buffer, file: string) {
    const ext = extname(path);
    const a: Asset = {
      body, type: TYPES[ext] ?? 'application/octet-stream',
      immutable: path.startsWith('/assets/') && !this.watch,
    };
    if (COMPRESSIBLE.has(ext) && body.length > 512 && !this.watch) {
      a.gzip = existsSync(file + '.gz') ? readFileSync(file + '.gz') : gzipSync(body, { level: 9 });
      a.br = existsSync(file + '.br') ? readFileSync(file + '.br') : brotliCompressSync(body, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      });
    }
    files.set(path, a);
  }

  /** Serves GET/HEAD of a page or asset. */
  serve(req: Req, res: Res): void {
    if (this.watch) this.reloadIfChanged();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('bad request');
      return;
    }
    let a = this.files.get(path);
    if (!a) {
      // An asset that is not there is a 404; any other path is a route of the page.
      if (path.startsWith('/assets/') || extname(path) !== '') {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('not found');
        return;
      }
      a = this.files.get('/index.html')!;
    }
    const accept = String(req.headers['accept-encoding'] ?? '');
    let body = a.body;
    const headers: Record<string, string> = {
      'content-type': a.type,
      'cache-control': a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'accept-encoding',
    };
    if (a.br && /\bbr\b/.test(accept)) {
      body = a.br;
      headers['content-encoding'] = 'br';
    } else if (a.gzip && /\bgzip\b/.test(accept)) {
      body = a.gzip;
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.length);
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  }
}
