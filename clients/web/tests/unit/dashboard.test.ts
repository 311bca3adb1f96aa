import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { MedicationRule, MetricsReportSchema, StandardizedRule } from '@/gen/smd/v1/metrics_pb';
import { formatTarget, formatValue, periodFields, reportRows, variantFields, variantOf, verdict } from '@/features/dashboard/dashboard';

describe('dashboard helpers', () => {
  it('turns the three period choices into MetricPeriod fields', () => {
    const base = { year: 2026, month: 11, asOf: '2026-05-15' };
    expect(periodFields({ ...base, mode: 'year' })).toEqual({ year: 2026, month: 0 });
    expect(periodFields({ ...base, mode: 'month' })).toEqual({ year: 2026, month: 11 });
    expect(periodFields({ ...base, mode: 'asof' })).toEqual({ year: 2026, month: 5, asOf: { year: 2026, month: 5, day: 15 } });
  });

  it('turns the variant choice into MetricVariant fields (server: none)', () => {
    expect(variantFields('server')).toEqual({});
    expect(variantFields('jiangsu')).toEqual({ standardized: StandardizedRule.R1, medication: MedicationRule.LAST_VISIT });
    expect(variantFields('national')).toEqual({ standardized: StandardizedRule.R2, medication: MedicationRule.ANY_RECORD });
  });

  it('writes values and targets in their units; unavailable is not zero', () => {
    expect(formatValue({ available: true, value: 97, unit: '%' })).toBe('97.0%');
    expect(formatValue({ available: true, value: 4.5234, unit: '‰' })).toBe('4.52‰');
    expect(formatValue({ available: true, value: 12.34, unit: 'min' })).toBe('12.3 分钟');
    expect(formatValue({ available: false, value: 0, unit: '%' })).toBe('');
    expect(formatTarget({ hasTarget: true, target: 97, unit: '%', lowerIsBetter: false })).toBe('≥ 97%');
    expect(formatTarget({ hasTarget: true, target: 0, unit: '%', lowerIsBetter: true })).toBe('≤ 0%');
    expect(formatTarget({ hasTarget: false, target: 0, unit: '%', lowerIsBetter: false })).toBe('');
  });

  it('decides met / not met only with a target and a value', () => {
    expect(verdict({ available: true, hasTarget: true, met: true })).toBe('met');
    expect(verdict({ available: true, hasTarget: true, met: false })).toBe('not-met');
    expect(verdict({ available: true, hasTarget: false, met: false })).toBe('no-target');
    expect(verdict({ available: false, hasTarget: true, met: false })).toBe('unavailable');
    expect(variantOf('standard_r2')?.[0]).toMatch(/R2/);
    expect(variantOf('registered')).toBeUndefined();
  });

  it('exports one row per region and indicator, numbers as numbers', () => {
    const r = create(MetricsReportSchema, {
      region: { region: '320106', name: '鼓楼区', indicators: [
        { code: 'management_rate', name: '在册患者管理率', numerator: 291n, denominator: 300n, available: true, value: 97, unit: '%', hasTarget: true, target: 97, met: true },
        { code: 'alert_ack_time', name: '预警确认时长', unit: 'min' },
      ] },
      children: [{ region: '320106001', name: '宁海路街道', indicators: [
        { code: 'management_rate', name: '在册患者管理率', numerator: 1n, denominator: 3n, available: true, value: 33.333, unit: '%', hasTarget: true, target: 97 },
      ] }],
    });
    const rows = reportRows(r);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toEqual(['320106', '鼓楼区', 'management_rate', '在册患者管理率', 291, 300, 97, '%', '≥ 97%', '达标']);
    expect(rows[2].slice(4, 7)).toEqual([0, 0, '']);
    expect(rows[2][9]).toBe('无数据');
    expect(rows[3].slice(4, 7)).toEqual([1, 3, 33.3]);
    expect(rows[3][9]).toBe('未达标');
  });
});
