// Worklist CSV export and saved filters.
import { describe, expect, it } from 'vitest';
import { BOM, toCsv, csvFileName } from '@/features/worklist/csv';
import { parseSaved, upsertSaved } from '@/features/worklist/saved-filters';
import { buildTree } from '@/features/patients/regions';

describe('toCsv', () => {
  it('starts with the UTF-8 BOM and ends lines with CRLF', () => {
    const s = toCsv([['姓名', '原因'], ['张三', '逾期 3 天']]);
    expect(s.startsWith(BOM)).toBe(true);
    expect(new TextEncoder().encode(s).slice(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
    expect(s.slice(1)).toBe('姓名,原因\r\n张三,逾期 3 天\r\n');
  });
  it('quotes commas, quotes and line breaks', () => {
    expect(toCsv([['a,b', 'say "hi"', 'x\ny']]).slice(1)).toBe('"a,b","say ""hi""","x\ny"\r\n');
  });
  it('defuses formulas but keeps negative numbers', () => {
    expect(toCsv([['=HYPERLINK("x")', '-3', '+1', '@a']]).slice(1)).toBe('"\'=HYPERLINK(""x"")",-3,\'+1,\'@a\r\n');
  });
  it('names the file by list and day', () => {
    expect(csvFileName('工作清单-逾期未随访', '2026-12-06')).toBe('工作清单-逾期未随访-2026-12-06.csv');
    expect(csvFileName('a/b c', '2026-12-06')).toBe('a_b_c-2026-12-06.csv');
  });
});

describe('saved filters', () => {
  it('reads only well-formed entries', () => {
    expect(parseSaved(null)).toEqual([]);
    expect(parseSaved('not json')).toEqual([]);
    expect(parseSaved('{"a":1}')).toEqual([]);
    const good = { name: '逾期', kind: 1, days: 7, region: '320106001001' };
    expect(parseSaved(JSON.stringify([good, { name: '', kind: 1, days: 7, region: '' }, { name: 'x', kind: 'a' }, { ...good, name: 'y', region: '<script>' }])))
      .toEqual([good]);
  });
  it('replaces a filter of the same name', () => {
    const a = { name: 'A', kind: 1, days: 7, region: '' };
    const list = upsertSaved(upsertSaved([], a), { ...a, kind: 2 });
    expect(list).toEqual([{ ...a, kind: 2 }]);
  });
});

describe('buildTree', () => {
  it('nests communities under streets', () => {
    const tree = buildTree([
      { code: '320106001001', name: '社区甲', level: 3, parentCode: '320106001' },
      { code: '320106001', name: '宁海路街道', level: 2, parentCode: '320106' },
      { code: '320106001002', name: '社区乙', level: 3, parentCode: '320106001' },
    ] as never);
    expect(tree).toHaveLength(1);
    expect(tree[0].label).toBe('宁海路街道');
    expect(tree[0].children?.map((c) => c.value)).toEqual(['320106001001', '320106001002']);
  });
});
