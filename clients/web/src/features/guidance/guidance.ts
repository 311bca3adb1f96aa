// How the family sheet words a regimen line (followups.proto MedicationLine; the drug's name
// from ListDrugs). Pure, unit-tested (tests/unit/records-guidance.test.ts).
import type { Drug, MedicationLine } from '@/gen/smd/v1/followups_pb';

export type SheetLang = 'zh' | 'en';

/** 2 -> "2", 2.5 -> "2.5", 0.125 -> "0.125" (no float noise). */
export function mg(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

export function drugName(code: string, drugs: ReadonlyMap<string, Drug>, lang: SheetLang): string {
  const d = drugs.get(code);
  if (!d) return code;
  return lang === 'en' ? d.nameEn || d.nameZh : d.nameZh || d.nameEn;
}

/**
 * The schedule of one line: oral "早 2 mg、晚 2 mg（每日共 4 mg）"; long-acting "每 4 周注射
 * 一次，每次 100 mg". A slot with no dose is left out.
 */
export function doseText(l: MedicationLine, lang: SheetLang): string {
  if (l.longActing) {
    const every = l.intervalWeeks > 0;
    const dose = l.doseMg > 0;
    if (lang === 'en') {
      return [every ? `an injection every ${l.intervalWeeks} week${l.intervalWeeks === 1 ? '' : 's'}` : 'long-acting injection',
        dose ? `${mg(l.doseMg)} mg each` : ''].filter(Boolean).join(', ');
    }
    return [every ? `每 ${l.intervalWeeks} 周注射一次` : '长效针剂', dose ? `每次 ${mg(l.doseMg)} mg` : ''].filter(Boolean).join('，');
  }
  const slots: [string, string, number][] = [
    ['早', 'morning', l.morningMg], ['中', 'noon', l.noonMg], ['晚', 'evening', l.eveningMg],
  ];
  const given = slots.filter(([, , v]) => v > 0);
  const total = given.reduce((s, [, , v]) => s + v, 0);
  if (!given.length) return lang === 'en' ? 'as prescribed' : '遵医嘱';
  if (lang === 'en') {
    return given.map(([, en, v]) => `${en} ${mg(v)} mg`).join(', ') + (given.length > 1 ? ` (${mg(total)} mg a day)` : '');
  }
  return given.map(([zh, , v]) => `${zh} ${mg(v)} mg`).join('、') + (given.length > 1 ? `（每日共 ${mg(total)} mg）` : '');
}

/** Today as the sheet prints it ("2026年12月6日" / "6 Dec 2026"), from "YYYY-MM-DD". */
export function sheetDate(iso: string, lang: SheetLang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (lang === 'en') {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    return `${d} ${months[mo - 1]} ${y}`;
  }
  return `${y}年${mo}月${d}日`;
}
