// Bundles the gateway into one file (dist/gateway.mjs) so production needs only `node`:
// no node_modules on the server (docs/web.md "Production").
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [resolve(here, 'src/main.ts')],
  outfile: resolve(here, '../dist/gateway.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  sourcemap: false,
  legalComments: 'none',
  alias: { '@': resolve(here, '../src') },
  // ESM bundles of CommonJS dependencies need require().
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
console.log('gateway: dist/gateway.mjs');
