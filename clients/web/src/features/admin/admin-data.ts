// Pure helpers and small loaders of the administration screens. Kept apart from the views so
// the unit tests can check them without a browser.
import { ref } from 'vue';
import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { regions as regionApi } from '@/api/regions';
import { buildTree, type RegionNode } from '@/features/patients/regions';
import { RegionLevel, type Region } from '@/gen/smd/v1/regions_pb';
import { Role } from '@/gen/smd/v1/common_pb';
import type { Labels } from '@/lib/labels';

/** Region levels as the forms name them (rules.md §9). */
export const REGION_LEVEL: Labels = {
  [RegionLevel.PROVINCE]: ['省', 'Province'],
  [RegionLevel.CITY]: ['地级市', 'City'],
  [RegionLevel.DISTRICT]: ['区县', 'District'],
  [RegionLevel.STREET]: ['街道/乡镇', 'Street / township'],
  [RegionLevel.COMMUNITY]: ['社区/村', 'Community / village'],
};

/** Every role an administrator can give, in the order of common.proto. */
export const ASSIGNABLE_ROLES: Role[] = [
  Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST, Role.POLICE, Role.GRID_WORKER,
  Role.COMMUNITY_WORKER, Role.HEALTH_COMMITTEE, Role.AUDITOR, Role.ADMIN,
];

export type { RegionNode };

/** The tree of a flat ListRegions answer (a region's parent is its parent_code). Pure. */
export function regionTree(all: Region[]): RegionNode[] {
  return buildTree(all);
}

/** The admin's part of the region tree (ListRegions root '' = the caller's jurisdiction). */
export function useAdminRegions() {
  const list = ref<Region[]>([]);
  const error = ref<unknown>(null);
  async function reload(): Promise<void> {
    try {
      list.value = (await regionApi.listRegions({ root: '', depth: 0 })).regions;
      error.value = null;
    } catch (e) {
      error.value = e;
    }
  }
  function name(code: string): string {
    return list.value.find((r) => r.code === code)?.name ?? '';
  }
  return { list, error, reload, name };
}

/** A tree-select filter that matches a region's name or code. */
export function matchRegion(query: string, node: { value?: unknown; label?: unknown }): boolean {
  const q = query.trim();
  return !q || String(node.label ?? '').includes(q) || String(node.value ?? '').startsWith(q);
}

// Letters and digits a person reads off a screen without confusing them (no 0/O, 1/l/I).
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGIT = '23456789';

/**
 * A temporary password the server accepts (docs/api.md ChangePassword: at least 10 bytes of
 * at least two kinds): 12 characters with lower case, upper case and digits, from the
 * browser's cryptographic random source. The user must change it at the first sign-in.
 */
export function temporaryPassword(rand: (n: number) => number = cryptoRandom): string {
  const all = LOWER + UPPER + DIGIT;
  const pick = (s: string) => s[rand(s.length)];
  const chars = [pick(LOWER), pick(UPPER), pick(DIGIT)];
  while (chars.length < 12) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

function cryptoRandom(n: number): number {
  // Rejection sampling: no bias toward the first characters of the alphabet.
  const limit = Math.floor(0x100000000 / n) * n;
  const b = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(b);
    if (b[0] < limit) return b[0] % n;
  }
}

/** "2026-12-06 19:20" in the browser's time zone; '' when unset. */
export function dateTime(ts: Timestamp | undefined, seconds = false): string {
  if (!ts) return '';
  const d = timestampDate(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  return seconds ? `${s}:${p(d.getSeconds())}` : s;
}

/** The locked_until timestamp when it lies in the future. */
export function lockedNow(ts: Timestamp | undefined, now = Date.now()): boolean {
  return !!ts && timestampDate(ts).getTime() > now;
}
