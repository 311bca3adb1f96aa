// The service-network page's pure helpers (src/features/network/network.ts).
import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { ServiceSiteSchema, SiteKind, SchoolLevel, WorkplaceType, WorkplaceServiceMode } from '@/gen/smd/v1/network_pb';
import { factsText, meetsRatio, SITE_KIND } from '@/features/network/network';

describe('service network helpers', () => {
  it('applies the plan\'s 1:4000 university ratio', () => {
    expect(meetsRatio(1, 4000)).toBe(true);
    expect(meetsRatio(1, 4001)).toBe(false);
    expect(meetsRatio(0, 1)).toBe(false);
    expect(meetsRatio(6, 24000)).toBe(true);
  });

  it('names every site kind', () => {
    for (const k of [1, 2, 3, 4, 5, 6, 7]) expect(SITE_KIND[k]?.[0]).toBeTruthy();
    expect(SITE_KIND[SiteKind.HOTLINE][0]).toBe('心理援助热线');
  });

  it('writes a site\'s facts in one line', () => {
    const uni = create(ServiceSiteSchema, {
      kind: SiteKind.SCHOOL_ROOM,
      school: { level: SchoolLevel.UNIVERSITY, fullTimeTeachers: 3, partTimeTeachers: 1, students: 12001 },
    });
    expect(factsText(uni, true)).toBe('高等院校 · 专职3人 兼职1人 · 在校生12001人 · 师生比未达1:4000');
    const work = create(ServiceSiteSchema, {
      kind: SiteKind.WORKPLACE,
      workplace: { type: WorkplaceType.ENTERPRISE, mode: WorkplaceServiceMode.PURCHASED },
    });
    expect(factsText(work, true)).toBe('企业 · 购买服务');
    expect(factsText(create(ServiceSiteSchema, { kind: SiteKind.HOTLINE, phone: '12356' }), true)).toBe('12356');
  });
});
