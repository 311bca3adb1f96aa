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
import { fromIso, todayIso } from '@/lib/dates';

export function isContactRole(r: TeamRole | null | undefined): boolean {
  return r === TeamRole.GUARDIAN || r === TeamRole.FAMILY;
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

export const MEMBER_FIELDS = ['team_role', 'user_id', 'contact_name', 'contact_phone', 'start_date'];
export const END_FIELDS = ['end_date', 'reason', 'member_id'];
