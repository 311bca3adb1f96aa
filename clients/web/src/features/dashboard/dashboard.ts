// Pure helpers of the dashboard: the period the user chose as the API's MetricPeriod, how a
// figure is written, the table that the XLSX export and the print view share.
// Unit-tested in tests/unit/dashboard.test.ts.
import { MedicationRule, StandardizedRule, type IndicatorValue, type MetricsReport } from '@/gen/smd/v1/metrics_pb';

/** The three periods GetMetrics supports (rules.md §5 "Reporting period"). */
export type PeriodMode = 'year' | 'month' | 'asof';

export interface PeriodChoice {
  mode: PeriodMode;
  year: number;
  month: number; // 1..12, for 'month'
  asOf: string; // "YYYY-MM-DD", for 'asof'
}

/** The request's MetricPeriod as plain fields (year, month 0 = whole year, as_of). */
export function periodFields(p: PeriodChoice): { year: number; month: number; asOf?: { year: number; month: number; day: number } } {
  if (p.mode === 'asof') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(p.asOf);
    if (m) {
      const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
      return { year: d.year, month: d.month, asOf: d };
    }
  }
  if (p.mode === 'month') return { year: p.year, month: p.month };
  return { year: p.year, month: 0 };
}

/**
 * The metric variant the user chose (docs/metrics.md "Variants per call"): the server's own
 * rule set, or the Jiangsu (R1, 服药 by the last visit) or national (R2, 服药 by any record)
 * figures of the same period.
 */
export type VariantChoice = 'server' | 'jiangsu' | 'national';

/** The request's MetricVariant as plain fields ({} = the server's rule set). */
export function variantFields(v: VariantChoice): { standardized?: StandardizedRule; medication?: MedicationRule } {
  if (v === 'jiangsu') return { standardized: StandardizedRule.R1, medication: MedicationRule.LAST_VISIT };
  if (v === 'national') return { standardized: StandardizedRule.R2, medication: MedicationRule.ANY_RECORD };
  return {};
}

/** A rate's value as shown: "97.0%", "4.52‰", "12.3 分钟"; '' when unavailable. */
export function formatValue(v: Pick<IndicatorValue, 'available' | 'value' | 'unit'>, minutes = '分钟'): string {
  if (!v.available) return '';
  if (v.unit === 'min') return `${v.value.toFixed(1)} ${minutes}`;
  const digits = v.unit === '‰' ? 2 : 1;
  return `${v.value.toFixed(digits)}${v.unit}`;
}

/** The plan's target as shown: "≥ 97%", "≤ 0%"; '' when the plan sets none. */
export function formatTarget(v: Pick<IndicatorValue, 'hasTarget' | 'target' | 'unit' | 'lowerIsBetter'>): string {
  if (!v.hasTarget) return '';
  const n = Number.isInteger(v.target) ? String(v.target) : v.target.toFixed(1);
  return `${v.lowerIsBetter ? '≤' : '≥'} ${n}${v.unit === 'min' ? ' min' : v.unit}`;
}

export type Verdict = 'met' | 'not-met' | 'no-target' | 'unavailable';

/** Met / not met only where the plan has a target and the rate has a value. */
export function verdict(v: Pick<IndicatorValue, 'available' | 'hasTarget' | 'met'>): Verdict {
  if (!v.available) return 'unavailable';
  if (!v.hasTarget) return 'no-target';
  return v.met ? 'met' : 'not-met';
}

/**
 * What the numerator counted, as the rule-set variant the user should see (docs/metrics.md
 * "Indicators": only 规范管理率, 服药率 and the schizophrenia rates vary by rule set).
 */
const VARIANTS: Record<string, [string, string]> = {
  standard_r1: ['R1：相邻随访间隔不超过3个月', 'R1: no gap over 3 months'],
  standard_r2: ['R2：全年有效随访不少于4次', 'R2: at least 4 valid follow-ups'],
  on_medication_last: ['末次随访服药', 'medication at the last visit'],
  on_medication_any: ['任一记录服药', 'medication in any record'],
  schizophrenia_on_medication_last: ['末次随访服药', 'medication at the last visit'],
  schizophrenia_on_medication_any: ['任一记录服药', 'medication in any record'],
  schizophrenia_treated_last: ['末次随访服药或住院', 'medication at the last visit, or in hospital'],
  schizophrenia_treated_any: ['任一记录服药或住院', 'medication in any record, or in hospital'],
};
export function variantOf(numeratorStatus: string): [string, string] | undefined {
  return VARIANTS[numeratorStatus];
}

/** The header and rows of the export: one row per region (the region, then its children) and indicator. */
export function reportRows(r: MetricsReport): (string | number)[][] {
  const header = ['地区代码', '地区', '指标代码', '指标', '分子', '分母', '值', '单位', '目标', '是否达标'];
  const rows: (string | number)[][] = [header];
  const regions = [r.region, ...r.children].filter((x) => x !== undefined);
  for (const g of regions) {
    for (const v of g.indicators) {
      const vd = verdict(v);
      rows.push([
        g.region, g.name, v.code, v.name, Number(v.numerator), Number(v.denominator),
        v.available ? round(v.value, v.unit === '‰' ? 2 : 1) : '',
        v.unit, formatTarget(v),
        vd === 'met' ? '达标' : vd === 'not-met' ? '未达标' : vd === 'unavailable' ? '无数据' : '',
      ]);
    }
  }
  return rows;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** "指标-320106-2026-01至2026-11.xlsx" (the region and the period's cut-off). */
export function exportName(region: string, periodEnd: string, ext: string): string {
  return `管理指标-${region}-${periodEnd}.${ext}`;
}
