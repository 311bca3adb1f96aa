// The care team's add-member form (alerts.proto AddMemberRequest) and its rules of shape:
// roles 1..5 are users (user_id), 6..7 contacts (name and phone), docs/api.md CareTeamService.
// Pure, unit-tested (tests/unit/records-team.test.ts).
import { create } from '@bufbuild/protobuf';
import {
  AddMemberRequestSchema,
  EndMemberRequestSchema,
  TeamRole,
  type AddMemberRequest,
  type EndMemberRequest,
  type TeamMember,
} from '@/gen/smd/v1/alerts_pb';
import { Role } from '@/gen/smd/v1/common_pb';
import { fromIso, todayIso } from '@/lib/dates';

export function isContactRole(r: TeamRole | null | undefined): boolean {
  return r === TeamRole.GUARDIAN || r === TeamRole.FAMILY;
}

/**
 * The account roles that fit a team role (docs/api.md "Which user fits which team role"):
 * used only to suggest users; the server decides.
 */
export function accountRolesFor(r: TeamRole): Role[] {
  switch (r) {
    case TeamRole.DOCTOR: return [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];
    case TeamRole.POLICE: return [Role.POLICE];
    case TeamRole.GRID_WORKER: return [Role.GRID_WORKER];
    case TeamRole.COMMUNITY_WORKER: return [Role.COMMUNITY_WORKER];
    case TeamRole.VOLUNTEER: return [Role.GRID_WORKER, Role.COMMUNITY_WORKER];
    default: return [];
  }
}

export interface MemberModel {
  teamRole: TeamRole | null;
  userId: string;
  contactName: string;
  contactPhone: string;
  startDate: string;
}

export function emptyMember(today: string = todayIso()): MemberModel {
  return { teamRole: null, userId: '', contactName: '', contactPhone: '', startDate: today };
}

/** Only the fields of the chosen kind of member are sent (the server refuses the others). */
export function addMemberRequest(patientId: string, m: MemberModel): AddMemberRequest {
  const contact = isContactRole(m.teamRole);
  return create(AddMemberRequestSchema, {
    patientId,
    teamRole: m.teamRole ?? TeamRole.UNSPECIFIED,
    userId: contact ? '' : m.userId.trim(),
    contactName: contact ? m.contactName.trim() : '',
    contactPhone: contact ? m.contactPhone.trim() : '',
    startDate: fromIso(m.startDate),
  });
}

export function endMemberRequest(memberId: string, endDate: string, reason: string): EndMemberRequest {
  return create(EndMemberRequestSchema, { memberId, endDate: fromIso(endDate), reason: reason.trim() });
}

export function splitTeam(members: readonly TeamMember[]): { active: TeamMember[]; ended: TeamMember[] } {
  const active: TeamMember[] = [];
  const ended: TeamMember[] = [];
  for (const m of members) (m.endDate && m.endDate.year ? ended : active).push(m);
  return { active, ended };
}

export interface UserChoice {
  userId: string;
  name: string;
  teamRole?: TeamRole;
}

/**
 * Users the doctor can pick without knowing an ID: the signed-in user (for the doctor role)
 * and users who were on this team before (to add back). The API lets only administrators list
 * users (AdminService.ListUsers), so any other user is entered by the ID an administrator gives.
 */
export function knownUsers(members: readonly TeamMember[], me?: { userId: string; name: string }): UserChoice[] {
  const seen = new Map<string, UserChoice>();
  if (me?.userId) seen.set(me.userId, { userId: me.userId, name: me.name, teamRole: TeamRole.DOCTOR });
  for (const m of members) {
    if (m.userId && !seen.has(m.userId)) seen.set(m.userId, { userId: m.userId, name: m.displayName, teamRole: m.teamRole });
  }
  return [...seen.values()];
}

export const MEMBER_FIELDS = ['team_role', 'user_id', 'contact_name', 'contact_phone', 'start_date'];
export const END_FIELDS = ['end_date', 'reason', 'member_id'];
