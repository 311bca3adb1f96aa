// The administration and audit screens' own logic: the temporary password, the region tree,
// the region picker's filter, and the audit list's filters as they are sent to the server.
import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { RegionSchema, RegionLevel } from '@/gen/smd/v1/regions_pb';
import { matchRegion, regionTree, temporaryPassword } from '@/features/admin/admin-data';
import { NOT_OK, requestFilters, splitMethod } from '@/features/audit/audit-filter';
import { METHODS } from '@/features/audit/methods';

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

describe('audit filters sent to the server', () => {
  const form = { user: '', patientId: '', method: undefined, outcome: undefined, range: null };
  it('sends a UUID in the user box as user_id and anything else as username', () => {
    expect(requestFilters({ ...form, user: ' cw1 ' })).toMatchObject({ userId: '', username: 'cw1' });
    const id = '0B6F3A2E-1C4D-4E5F-8A9B-0C1D2E3F4A5B';
    expect(requestFilters({ ...form, user: id })).toMatchObject({ userId: id.toLowerCase(), username: '' });
  });
  it('a cleared select (undefined) is no filter', () => {
    expect(requestFilters(form)).toMatchObject({ method: '', outcome: '', from: null, to: null });
    expect(requestFilters({ ...form, method: '/smd.v1.AuthService/Login', outcome: NOT_OK }))
      .toMatchObject({ method: '/smd.v1.AuthService/Login', outcome: 'NOT_OK' });
  });
  it('offers every RPC of the generated descriptors, the new ones too, and the server records', () => {
    expect(METHODS).toContain('/smd.v1.AdminService/GetRuleSet');
    expect(METHODS).toContain('/smd.v1.FollowUpService/RecordFollowUp');
    expect(METHODS).toContain('smd-server alert.escalate');
    expect(METHODS.every((m) => m.startsWith('/smd.v1.') || m.startsWith('smd-server '))).toBe(true);
  });
  it('splits a method path into service and method', () => {
    expect(splitMethod('/smd.v1.AdminService/CreateUser')).toEqual(['AdminService', 'CreateUser']);
    expect(splitMethod('smd-server seed-demo')).toEqual(['', 'smd-server seed-demo']);
  });
});
