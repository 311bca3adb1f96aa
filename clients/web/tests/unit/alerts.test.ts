import { describe, it, expect } from 'vitest';
import { causeText, remaining } from '@/features/alerts/util';

describe('alert cause text', () => {
  it("picks the user's language from the server's bilingual parts", () => {
    const c = '随访危险性评估4级 (risk level 4 at follow-up)；病情转为不稳定 (became unstable)';
    expect(causeText(c, 'zh')).toBe('随访危险性评估4级；病情转为不稳定');
    expect(causeText(c, 'en')).toBe('risk level 4 at follow-up; became unstable');
  });
  it("shows a doctor's own words as written", () => {
    expect(causeText('家属来电称患者情绪激动，请上门查看', 'en')).toBe('家属来电称患者情绪激动，请上门查看');
  });
  it('formats the time left', () => {
    expect(remaining(25 * 60_000)).toEqual(['25 分钟', '25 min']);
    expect(remaining(125 * 60_000)).toEqual(['2 小时 5 分', '2 h 5 min']);
    expect(remaining(-5000)).toEqual(['0 分钟', '0 min']);
  });
});
