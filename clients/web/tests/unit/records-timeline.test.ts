import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { TimelineEntrySchema } from '@/gen/smd/v1/followups_pb';
import { fromIso } from '@/lib/dates';
import { entryLink, groupByYear, kindStyle, referralsFromTimeline, summaryCode } from '@/features/timeline/timeline';

const e = (date: string, kind: string, summary: string, refId = 'x', unreadable = false) =>
  create(TimelineEntrySchema, { date: fromIso(date), kind, summary, refId, unreadable });

const entries = [
  e('2025-03-01', 'register', '登记建档 (registered)'),
  e('2025-06-01', 'followup', '随访 危险性0级 稳定 用药：利培酮'),
  e('2026-01-10', 'referral', '转诊至 南京市脑科医院 (referral), status 1', 'r1'),
  e('2026-02-01', 'referral', '转诊至 某医院 (referral), status 2；记录无法解密 (record unreadable)', 'r2', true),
  e('2026-03-05', 'emergency', '应急处置 (emergency), trigger 2', 'e1'),
];

describe('timeline', () => {
  it('groups by year, newest first or oldest first', () => {
    const newest = groupByYear(entries, true);
    expect(newest.map((g) => g.year)).toEqual([2026, 2025]);
    expect(newest[0].entries[0].kind).toBe('emergency');
    const oldest = groupByYear(entries, false);
    expect(oldest.map((g) => g.year)).toEqual([2025, 2026]);
    expect(oldest[0].entries[0].kind).toBe('register');
    expect(entries[0].kind).toBe('register'); // the input is not reordered
  });
  it('reads the codes in summaries', () => {
    expect(summaryCode('应急处置 (emergency), trigger 2', 'trigger')).toBe(2);
    expect(summaryCode('失访 (failed visit), reason 4', 'reason')).toBe(4);
    expect(summaryCode('随访 危险性0级 稳定', 'status')).toBeUndefined();
  });
  it('links entries to pages that exist', () => {
    expect(entryLink('p', { kind: 'followup' })).toBe('/patients/p/followups');
    expect(entryLink('p', { kind: 'failed_visit' })).toBe('/patients/p/followups');
    expect(entryLink('p', { kind: 'referral' })).toBe('/patients/p/referral/new');
    expect(entryLink('p', { kind: 'register' })).toBe('/patients/p');
    expect(entryLink('p', { kind: 'health_check' })).toBeUndefined();
  });
  it('styles every kind, and unknown kinds too', () => {
    expect(kindStyle('emergency').zh).toBe('应急处置');
    expect(kindStyle('something_new').zh).toBe('其他');
  });
  it('lists referrals newest first with hospital and status', () => {
    expect(referralsFromTimeline(entries)).toEqual([
      { referralId: 'r2', date: '2026-02-01', hospital: '某医院', status: 2, unreadable: true },
      { referralId: 'r1', date: '2026-01-10', hospital: '南京市脑科医院', status: 1, unreadable: false },
    ]);
  });
});
