// The administration and audit screens' own logic: the temporary password, the region tree,
// the region picker's filter, and the audit list's filters matched in the page.
import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { RegionSchema, RegionLevel } from '@/gen/smd/v1/regions_pb';
import { AuditRecordSchema } from '@/gen/smd/v1/audit_pb';
import { matchRegion, regionTree, temporaryPassword } from '@/features/admin/admin-data';
import { hasClientFilter, matches, splitMethod } from '@/features/audit/audit-filter';

describe('temporaryPassword', () => {
  it('has 12 characters with lower case, upper case and digits, none ambiguous', () => {
    for (let i = 0; i < 200; i++) {
      const p = temporaryPassword();
      expect(p).toMatch(/^[A-Za-z0-9]{12}$/);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[0-9]/);
      expect(p).not.toMatch(/[01lIO]/);
    }
  });
  it('differs from call to call', () => {
    expect(new Set(Array.from({ length: 50 }, () => temporaryPassword())).size).toBe(50);
  });
});

describe('regionTree', () => {
  const r = (code: string, name: string, level: RegionLevel, parentCode = '') =>
    create(RegionSchema, { code, name, level, parentCode });
  it('nests children under parents, sorted by code, whatever the input order', () => {
    const tree = regionTree([
      r('320106002', '华侨路街道', RegionLevel.STREET, '320106'),
      r('320106001001', '一社区', RegionLevel.COMMUNITY, '320106001'),
      r('320106', '鼓楼区', RegionLevel.DISTRICT),
      r('320106001', '宁海路街道', RegionLevel.STREET, '320106'),
    ]);
    expect(tree.map((n) => n.value)).toEqual(['320106']);
    expect(tree[0].children!.map((n) => n.value)).toEqual(['320106001', '320106002']);
    expect(tree[0].children![0].children!.map((n) => n.label)).toEqual(['一社区']);
  });
  it('filters the picker by name or code prefix', () => {
    expect(matchRegion('宁海', { value: '320106001', label: '宁海路街道' })).toBe(true);
    expect(matchRegion('320106001', { value: '320106001001', label: 'x' })).toBe(true);
    expect(matchRegion('320106002', { value: '320106001001', label: 'x' })).toBe(false);
    expect(matchRegion('', { value: '1', label: 'x' })).toBe(true);
  });
});

describe('audit filters matched in the page', () => {
  const rec = create(AuditRecordSchema, {
    username: 'cw1', method: '/smd.v1.AuthService/Login', outcome: 'UNAUTHENTICATED',
  });
  it('matches user name exactly, method by path or part, outcome by name or any failure', () => {
    expect(matches(rec, { username: 'cw1', method: '', outcome: '' })).toBe(true);
    expect(matches(rec, { username: 'cw', method: '', outcome: '' })).toBe(false);
    expect(matches(rec, { username: '', method: '/smd.v1.AuthService/Login', outcome: '' })).toBe(true);
    expect(matches(rec, { username: '', method: '/smd.v1.AuthService/Logout', outcome: '' })).toBe(false);
    expect(matches(rec, { username: '', method: 'authservice', outcome: '' })).toBe(true);
    expect(matches(rec, { username: '', method: '', outcome: 'FAIL' })).toBe(true);
    expect(matches(rec, { username: '', method: '', outcome: 'OK' })).toBe(false);
    expect(matches(rec, { username: '', method: '', outcome: 'UNAUTHENTICATED' })).toBe(true);
  });
  it('a cleared select (undefined) is no filter', () => {
    const f = { username: '', method: undefined as unknown as string, outcome: undefined as unknown as string };
    expect(hasClientFilter(f)).toBe(false);
    expect(matches(rec, f)).toBe(true);
  });
  it('splits a method path into service and method', () => {
    expect(splitMethod('/smd.v1.AdminService/CreateUser')).toEqual(['AdminService', 'CreateUser']);
    expect(splitMethod('smd-server seed-demo')).toEqual(['', 'smd-server seed-demo']);
  });
});
