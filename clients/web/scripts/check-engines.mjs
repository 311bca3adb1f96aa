// Checks that every package the product needs at build or run time declares an
// `engines.node` range that Node 18.20 satisfies (Debian 12's nodejs is 18.20.4), reading
// package-lock.json (npm records each package's `engines`). CI runs Node 20 only, so this is
// how it knows the README's first command still works on a fresh Debian 12.
// Test-only packages (playwright-core) may need a newer Node; they are listed in TEST_ONLY.
// Usage: node scripts/check-engines.mjs [VERSION]   (default 18.20.4). Exit 1 on a mismatch.
import { readFileSync } from 'node:fs';

const TEST_ONLY = new Set(['playwright-core']);
const target = (process.argv[2] ?? '18.20.4').split('.').map(Number);

function cmp(a, b) {
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0) ? -1 : 1;
  }
  return 0;
}
function parse(v) {
  const m = v.trim().replace(/^v/, '').match(/^(\d+|x|\*)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?/);
  if (!m) return null;
  return m.slice(1).map((p) => (p === undefined || p === 'x' || p === '*' ? undefined : Number(p)));
}
// One comparator like ">=14.17", "^18.0.0", "18.x", "~20.1", "*". Partial versions widen.
function satisfiesOne(c, v) {
  c = c.trim();
  if (c === '' || c === '*' || c === 'x') return true;
  const op = c.match(/^(>=|<=|>|<|\^|~|=)?\s*(.*)$/);
  const p = parse(op[2]);
  if (!p) return true; // unknown syntax: do not fail on it, print it instead
  const full = p.map((x) => x ?? 0);
  switch (op[1]) {
    case '>=': return cmp(v, full) >= 0;
    case '>': return cmp(v, full) > 0;
    case '<=': return cmp(v, full) <= 0;
    case '<': return cmp(v, full) < 0;
    case '^': {
      if (cmp(v, full) < 0) return false;
      if (full[0] !== 0) return v[0] === full[0];
      return v[0] === 0 && v[1] === full[1];
    }
    case '~': return cmp(v, full) >= 0 && v[0] === full[0] && (p[1] === undefined || v[1] === full[1]);
    default: // exact or partial ("18", "18.x")
      return p.every((x, i) => x === undefined || x === v[i]);
  }
}
function satisfies(range, v) {
  return range.split('||').some((alt) => {
    const hy = alt.match(/^\s*(\S+)\s+-\s+(\S+)\s*$/);
    if (hy) return satisfiesOne('>=' + hy[1], v) && satisfiesOne('<=' + hy[2], v);
    return alt.trim().replace(/([<>=^~]+)\s+/g, "$1").split(/\s+/).every((c) => satisfiesOne(c, v));
  });
}

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url)));
const bad = [];
let checked = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  if (path === '') continue;
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  if (TEST_ONLY.has(name) || pkg.optional && !(pkg.os ?? ['linux']).includes('linux')) continue;
  const range = pkg.engines?.node ?? (typeof pkg.engines === 'string' ? null : null);
  checked++;
  if (range && !satisfies(range, target)) bad.push(`${name}@${pkg.version} engines.node "${range}"`);
}
if (bad.length) {
  console.error(`check-engines: ${bad.length} package(s) do not run on Node ${target.join('.')}:`);
  for (const b of bad) console.error('  ' + b);
  process.exit(1);
}
console.log(`check-engines: all ${checked} packages accept Node ${target.join('.')}`);
