import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import type { AlertMessage } from '@/gen/smd/v1/alerts_pb';

/** Beijing time, "YYYY-MM-DD HH:mm" (the users' clock, whatever the PC's zone). */
export function fmtTime(ts: Timestamp | undefined): string {
  if (!ts) return '';
  const d = new Date(timestampDate(ts).getTime() + 8 * 3600_000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** Past its acknowledgement deadline and not acknowledged (before the server escalates). */
export function isOverdue(m: AlertMessage, now: number): boolean {
  return !m.acknowledgedAt && !!m.deadline && timestampDate(m.deadline).getTime() < now;
}

export function deadlineMs(m: AlertMessage): number | null {
  return m.deadline ? timestampDate(m.deadline).getTime() : null;
}

/** "剩余 12 分" / "12 min left" style text from milliseconds. */
export function remaining(ms: number): [string, string] {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 60) return [`${m} 分钟`, `${m} min`];
  const h = Math.floor(m / 60);
  return [`${h} 小时 ${m % 60} 分`, `${h} h ${m % 60} min`];
}

/**
 * The server writes its causes as "中文 (English)" parts joined by "；" (server/domain/
 * alert_rules.cc); shows each part in the user's language. A doctor's manual cause has no
 * such form and is shown as written.
 */
export function causeText(cause: string, lang: 'zh' | 'en'): string {
  return cause.split('；').map((part) => {
    const m = /^(.*?) \(([^()]+)\)$/.exec(part.trim());
    return m ? (lang === 'zh' ? m[1] : m[2]) : part;
  }).join(lang === 'zh' ? '；' : '; ');
}
