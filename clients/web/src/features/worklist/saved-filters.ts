// Saved worklist filters: a name for a kind + days + region. Kept in localStorage under the
// user's id (preferences, no patient data: docs/web.md "Security model"), so each doctor on
// a shared community PC sees their own.
export interface SavedFilter {
  name: string;
  kind: number;
  days: number;
  region: string;
}

const PREFIX = 'smd.worklist.filters.';

function key(userId: string): string {
  return PREFIX + userId;
}

/** Keeps only well-formed entries (the stored text may come from an older version). Pure. */
export function parseSaved(text: string | null): SavedFilter[] {
  if (!text) return [];
  try {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) return [];
    return v.filter((f): f is SavedFilter =>
      typeof f === 'object' && f !== null &&
      typeof f.name === 'string' && f.name.length > 0 &&
      Number.isInteger(f.kind) && Number.isInteger(f.days) &&
      typeof f.region === 'string' && /^\d{0,12}$/.test(f.region));
  } catch {
    return [];
  }
}

export function loadSaved(userId: string): SavedFilter[] {
  try {
    return parseSaved(localStorage.getItem(key(userId)));
  } catch {
    return [];
  }
}

/** Adds or replaces (by name) a filter; returns the new list. */
export function upsertSaved(list: SavedFilter[], f: SavedFilter): SavedFilter[] {
  return [...list.filter((x) => x.name !== f.name), f].sort((a, b) => a.name.localeCompare(b.name, 'zh'));
}

export function storeSaved(userId: string, list: SavedFilter[]): void {
  try {
    localStorage.setItem(key(userId), JSON.stringify(list));
  } catch {
    /* storage full or disabled: the filter lasts for this page only */
  }
}
