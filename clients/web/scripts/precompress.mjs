// Writes the gzip and brotli forms of the built pages beside them (dist/public/**/x.js.gz,
// x.js.br), at the build, so that the gateway reads them at start instead of compressing
// (gateway/src/static.ts). Same rules as the gateway: text types over 512 bytes.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'public');
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt', '.ttf']);
let n = 0;
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) { walk(p); continue; }
    if (!COMPRESSIBLE.has(extname(name))) continue;
    const body = readFileSync(p);
    if (body.length <= 512) continue;
    writeFileSync(p + '.gz', gzipSync(body, { level: 9 }));
    writeFileSync(p + '.br', brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }));
    n += 1;
  }
};
walk(root);
console.log(`precompress: ${n} files (gzip, brotli) in ${root}`);
