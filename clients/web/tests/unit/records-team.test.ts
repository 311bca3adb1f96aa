import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { TeamMemberSchema, TeamRole } from '@/gen/smd/v1/alerts_pb';
import { fromIso } from '@/lib/dates';
import { addMemberRequest, emptyMember, endMemberRequest, isContactRole, splitTeam } from '@/features/team/team';

describe('care team', () => {
  it('sends a user member with user_id only', () => {
    const r = addMemberRequest('p1', { ...emptyMember('2026-12-06'), teamRole: TeamRole.POLICE, userId: ' u-1 ', contactName: 'x' });
    expect(r).toMatchObject({ patientId: 'p1', teamRole: TeamRole.POLICE, userId: 'u-1', contactName: '', contactPhone: '' });
    expect(r.startDate).toMatchObject({ year: 2026, month: 12, day: 6 });
  });
  it('sends a contact with name and phone only', () => {
    const r = addMemberRequest('p1', { ...emptyMember(), teamRole: TeamRole.GUARDIAN, userId: 'u-1', contactName: ' 王某 ', contactPhone: '0000-1234567' });
    expect(r).toMatchObject({ teamRole: TeamRole.GUARDIAN, userId: '', contactName: '王某', contactPhone: '0000-1234567' });
    expect(isContactRole(TeamRole.FAMILY)).toBe(true);
    expect(isContactRole(TeamRole.VOLUNTEER)).toBe(false);
  });
  it('sends no role as unspecified (the server names team_role)', () => {
    expect(addMemberRequest('p1', emptyMember()).teamRole).toBe(TeamRole.UNSPECIFIED);
  });
  it('maps an end', () => {
    expect(endMemberRequest('m1', '2026-12-06', ' 工作调动 ')).toMatchObject({ memberId: 'm1', reason: '工作调动', endDate: { year: 2026, month: 12, day: 6 } });
  });
  it('splits current and former members', () => {
    const a = create(TeamMemberSchema, { memberId: 'a', userId: 'u1', displayName: '甲', teamRole: TeamRole.POLICE });
    const b = create(TeamMemberSchema, { memberId: 'b', userId: 'u2', displayName: '乙', teamRole: TeamRole.GRID_WORKER, endDate: fromIso('2026-01-01') });
    expect(splitTeam([a, b])).toEqual({ active: [a], ended: [b] });
  });
});
