import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { DrugSchema, MedicationLineSchema } from '@/gen/smd/v1/followups_pb';
import { doseText, drugName, mg, sheetDate } from '@/features/guidance/guidance';

const line = (x: object) => create(MedicationLineSchema, x);

describe('guidance sheet', () => {
  it('words an oral regimen with a daily total', () => {
    const l = line({ drugCode: 'risperidone', morningMg: 2, eveningMg: 2 });
    expect(doseText(l, 'zh')).toBe('早 2 mg、晚 2 mg（每日共 4 mg）');
    expect(doseText(l, 'en')).toBe('morning 2 mg, evening 2 mg (4 mg a day)');
    expect(doseText(line({ eveningMg: 0.5 }), 'zh')).toBe('晚 0.5 mg');
  });
  it('words a long-acting injection', () => {
    const l = line({ longActing: true, intervalWeeks: 4, doseMg: 100 });
    expect(doseText(l, 'zh')).toBe('每 4 周注射一次，每次 100 mg');
    expect(doseText(l, 'en')).toBe('an injection every 4 weeks, 100 mg each');
  });
  it('names drugs from the catalogue, else by code', () => {
    const drugs = new Map([['olanzapine', create(DrugSchema, { code: 'olanzapine', nameZh: '奥氮平', nameEn: 'olanzapine' })]]);
    expect(drugName('olanzapine', drugs, 'zh')).toBe('奥氮平');
    expect(drugName('olanzapine', drugs, 'en')).toBe('olanzapine');
    expect(drugName('unknown_x', drugs, 'zh')).toBe('unknown_x');
  });
  it('formats numbers and dates', () => {
    expect(mg(0.1 + 0.2)).toBe('0.3');
    expect(sheetDate('2026-12-06', 'zh')).toBe('2026年12月6日');
    expect(sheetDate('2026-12-06', 'en')).toBe('6 Dec 2026');
  });
});
