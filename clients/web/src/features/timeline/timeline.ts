// The patient's timeline as GetTimeline gives it (followups.proto TimelineEntry; docs/api.md
// "Timeline"): ordering, grouping by year, how each kind looks, where an entry links to, and
// the codes the server puts in some summaries ("trigger 1", "status 2", "reason 3"), which the
// page names beside the summary. The summary itself is always shown as the server gave it.
// Pure functions, unit-tested (tests/unit/records-timeline.test.ts).
import { toIso } from '@/lib/dates';
import type { TimelineEntry } from '@/gen/smd/v1/followups_pb';

export type Kind =
  | 'followup' | 'failed_visit' | 'emergency' | 'referral' | 'discharge' | 'health_check'
  | 'rehab_session' | 'psych_support' | 'register' | 'transfer' | 'close';

export interface KindStyle {
  zh: string;
  en: string;
  /** A short mark drawn in the dot (no icon font: the page's CSP allows only 'self'). */
  mark: string;
  color: string;
}

export const KINDS: Record<Kind, KindStyle> = {
  register: { zh: '登记建档', en: 'Registered', mark: '建', color: '#409eff' },
  followup: { zh: '随访', en: 'Follow-up', mark: '访', color: '#67c23a' },
  failed_visit: { zh: '失访', en: 'Failed visit', mark: '失', color: '#909399' },
  emergency: { zh: '应急处置', en: 'Emergency', mark: '急', color: '#f56c6c' },
  referral: { zh: '转诊', en: 'Referral', mark: '转', color: '#e6a23c' },
  discharge: { zh: '出院', en: 'Discharge', mark: '院', color: '#8e44ad' },
  health_check: { zh: '健康体检', en: 'Health check', mark: '检', color: '#16a085' },
  rehab_session: { zh: '社区康复', en: 'Community rehab', mark: '康', color: '#2e86c1' },
  psych_support: { zh: '心理疏导', en: 'Psychological support', mark: '疏', color: '#d35400' },
  transfer: { zh: '迁移', en: 'Transfer', mark: '迁', color: '#606266' },
  close: { zh: '结案', en: 'Closed', mark: '结', color: '#303133' },
};

const OTHER: KindStyle = { zh: '其他', en: 'Other', mark: '·', color: '#909399' };

export function kindStyle(kind: string): KindStyle {
  return (KINDS as Record<string, KindStyle>)[kind] ?? OTHER;
}

export interface YearGroup {
  year: number;
  entries: TimelineEntry[];
}

/**
 * Entries grouped by year. The server sends them oldest first with a stable order within a
 * day; newest first reverses the whole list (so the same day's entries reverse too).
 */
export function groupByYear(entries: readonly TimelineEntry[], newestFirst: boolean): YearGroup[] {
  const list = newestFirst ? [...entries].reverse() : [...entries];
  const groups: YearGroup[] = [];
  for (const e of list) {
    const year = e.date?.year ?? 0;
    const last = groups[groups.length - 1];
    if (last && last.year === year) last.entries.push(e);
    else groups.push({ year, entries: [e] });
  }
  return groups;
}

/** The number after "trigger", "status" or "reason" in a summary, if any. */
export function summaryCode(summary: string, word: 'trigger' | 'status' | 'reason'): number | undefined {
  const m = new RegExp(`\\b${word} (\\d+)\\b`).exec(summary);
  return m ? Number(m[1]) : undefined;
}

/** Where an entry leads: a page that shows its record, or undefined when none exists. */
export function entryLink(patientId: string, e: Pick<TimelineEntry, 'kind'>): string | undefined {
  switch (e.kind) {
    case 'followup':
    case 'failed_visit':
      return `/patients/${patientId}/followups`;
    case 'referral':
      return `/patients/${patientId}/referral/new`;
    case 'register':
    case 'close':
    case 'transfer':
      return `/patients/${patientId}`;
    default:
      return undefined;
  }
}

export interface ReferralRow {
  referralId: string;
  date: string;
  hospital: string;
  status: number | undefined;
  unreadable: boolean;
}

/**
 * The patient's referrals as the timeline lists them ("转诊至 <hospital> (referral), status
 * <n>"): the API has no referral listing, and UpdateReferral needs the id. Newest first.
 */
export function referralsFromTimeline(entries: readonly TimelineEntry[]): ReferralRow[] {
  return entries
    .filter((e) => e.kind === 'referral')
    .map((e) => ({
      referralId: e.refId,
      date: toIso(e.date),
      hospital: /^转诊至 (.*?) \(referral\)/.exec(e.summary)?.[1] ?? '',
      status: summaryCode(e.summary, 'status'),
      unreadable: e.unreadable,
    }))
    .reverse();
}
