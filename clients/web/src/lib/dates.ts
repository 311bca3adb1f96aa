// Dates as the API has them (smd.v1.Date: year, month, day; no time zone) and as the page
// shows and enters them ("YYYY-MM-DD", the form Element Plus's date picker uses with
// value-format). The visit calendar is the district's (Asia/Shanghai): "today" is taken
// there, not in UTC.
import { create } from '@bufbuild/protobuf';
import { DateSchema, type Date as PDate } from '@/gen/smd/v1/common_pb';

export function toIso(d: PDate | undefined): string {
  if (!d || !d.year) return '';
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** "YYYY-MM-DD" to a Date message; undefined for "" or a malformed text. */
export function fromIso(s: string | null | undefined): PDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s ?? '');
  if (!m) return undefined;
  return create(DateSchema, { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) });
}

/** Today in Asia/Shanghai as "YYYY-MM-DD". */
export function todayIso(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now);
}

/** Whole days from a to b ("YYYY-MM-DD"), b - a. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / 86400000);
}
