// The caller's part of the region tree (rules.md §9: district > street > community), read
// once per page load from RegionService.ListRegions and kept in memory: worklists and the
// register show community names for codes, and filters offer a cascader of streets and
// communities inside the user's jurisdiction. Region names are not patient data.
import { ref, computed } from 'vue';
import { regions as regionApi } from '@/api/regions';
import type { Region } from '@/gen/smd/v1/regions_pb';
import { RegionLevel } from '@/gen/smd/v1/regions_pb';
import { useSession } from '@/stores/session';

export interface RegionNode {
  value: string;
  label: string;
  level: RegionLevel;
  region: Region;
  children?: RegionNode[];
}

const list = ref<Region[]>([]);
let loading: Promise<void> | null = null;
/** The jurisdiction the list was read for: another user after sign-out sees another part. */
let loadedFor: string | null = null;

/** Builds the cascader tree from a flat list (parents before or after children). Pure. */
export function buildTree(all: Region[]): RegionNode[] {
  const nodes = new Map<string, RegionNode>();
  for (const r of all) nodes.set(r.code, { value: r.code, label: r.name, level: r.level, region: r });
  const roots: RegionNode[] = [];
  for (const r of all) {
    const n = nodes.get(r.code)!;
    const parent = r.parentCode ? nodes.get(r.parentCode) : undefined;
    if (parent) (parent.children ??= []).push(n);
    else roots.push(n);
  }
  const sort = (ns: RegionNode[]) => {
    ns.sort((a, b) => a.value.localeCompare(b.value));
    for (const n of ns) if (n.children) sort(n.children);
  };
  sort(roots);
  return roots;
}

export function useRegions() {
  const who = useSession().user?.jurisdiction ?? '';
  if (loadedFor !== who && !loading) {
    loading = regionApi
      .listRegions({ root: '', depth: 0 })
      .then((r) => { list.value = r.regions; loadedFor = who; })
      .catch(() => { /* names fall back to codes; the next screen tries again */ })
      .finally(() => { loading = null; });
  }
  const byCode = computed(() => new Map(list.value.map((r) => [r.code, r])));
  const tree = computed(() => buildTree(list.value));
  const communities = computed(() => list.value
    .filter((r) => r.level === RegionLevel.COMMUNITY)
    .sort((a, b) => a.code.localeCompare(b.code)));
  /** The region's name for a code; the code itself when unknown. */
  function name(code: string): string {
    const r = byCode.value.get(code);
    if (!r) return code;
    return r.name;
  }
  /** A community with its street ("宁海路街道 · 某社区"), other regions by their name. */
  function fullName(code: string): string {
    const r = byCode.value.get(code);
    if (!r) return code;
    const p = r.parentCode ? byCode.value.get(r.parentCode) : undefined;
    // Community names often begin with their street's ("宁海路街道演示第一社区"): no need twice.
    return p && r.level === RegionLevel.COMMUNITY && !r.name.startsWith(p.name) ? `${p.name} · ${r.name}` : r.name;
  }
  return { list, tree, communities, name, fullName, ready: () => loading ?? Promise.resolve() };
}
