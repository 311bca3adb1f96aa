// The rehabilitation forms' codes, models and requests (proto/smd/v1/rehab.proto; docs/rules.md
// "Rehabilitation and family support"). Pure functions, unit-tested
// (tests/unit/rehab-mapping.test.ts). No client-side rule beyond trimming: the server
// validates (dates not in the future nor before registration, the codes, the texts).
import { create } from '@bufbuild/protobuf';
import {
  RecordPsychSupportRequestSchema,
  RecordRehabSessionRequestSchema,
  RehabActivity,
  SupportMethod,
  SupportRecipients,
  type RecordPsychSupportRequest,
  type RecordRehabSessionRequest,
} from '@/gen/smd/v1/rehab_pb';
import type { Labels } from '@/lib/labels';
import { fromIso, todayIso } from '@/lib/dates';

/** 社区康复形式 (RehabActivity). */
export const REHAB_ACTIVITY: Labels = {
  [RehabActivity.SUNSHINE_GARDEN]: ['阳光心园日间康复', 'Sunshine Heart Garden day programme'],
  [RehabActivity.VOCATIONAL]: ['职业康复/工疗', 'Vocational rehabilitation'],
  [RehabActivity.LIVING_SKILLS]: ['生活技能训练', 'Daily-living skills'],
  [RehabActivity.SOCIAL_SKILLS]: ['社交技能训练', 'Social skills'],
  [RehabActivity.RECREATION]: ['文体娱乐活动', 'Cultural and recreational activity'],
  [RehabActivity.PEER_SUPPORT]: ['同伴支持/病友互助', 'Peer support'],
  [RehabActivity.OTHER]: ['其他', 'Other'],
};

/** 疏导对象 (SupportRecipients). */
export const SUPPORT_RECIPIENTS: Labels = {
  [SupportRecipients.PATIENT]: ['患者本人', 'The patient'],
  [SupportRecipients.FAMILY]: ['家属', 'Family'],
  [SupportRecipients.BOTH]: ['患者及家属', 'Patient and family'],
};

/** 疏导方式 (SupportMethod). */
export const SUPPORT_METHOD: Labels = {
  [SupportMethod.FACE_TO_FACE]: ['面对面', 'Face to face'],
  [SupportMethod.PHONE]: ['电话', 'Phone'],
  [SupportMethod.ONLINE]: ['视频/网络', 'Video / online'],
};

// ---- 社区康复 ----

export interface RehabSessionModel {
  sessionDate: string;
  activity: RehabActivity;
  place: string;
  programme: string;
  /** null: not recorded (sent as 0). */
  durationMinutes: number | null;
  runBy: string;
  note: string;
}

export const SESSION_FIELDS = ['session_date', 'activity', 'place', 'programme', 'duration_minutes', 'run_by', 'note'];

export function emptySession(today: string = todayIso()): RehabSessionModel {
  return {
    sessionDate: today, activity: RehabActivity.SUNSHINE_GARDEN, place: '', programme: '',
    durationMinutes: null, runBy: '', note: '',
  };
}

export function sessionRequest(patientId: string, m: RehabSessionModel): RecordRehabSessionRequest {
  return create(RecordRehabSessionRequestSchema, {
    patientId,
    sessionDate: fromIso(m.sessionDate),
    activity: m.activity,
    place: m.place.trim(),
    programme: m.programme.trim(),
    durationMinutes: m.durationMinutes ?? 0,
    runBy: m.runBy.trim(),
    note: m.note.trim(),
  });
}

// ---- 心理疏导 ----

export interface PsychSupportModel {
  supportDate: string;
  recipients: SupportRecipients;
  familyMembers: string;
  method: SupportMethod;
  provider: string;
  note: string;
}

export const SUPPORT_FIELDS = ['support_date', 'recipients', 'family_members', 'method', 'provider', 'note'];

export function emptySupport(today: string = todayIso()): PsychSupportModel {
  return {
    supportDate: today, recipients: SupportRecipients.UNSPECIFIED, familyMembers: '',
    method: SupportMethod.FACE_TO_FACE, provider: '', note: '',
  };
}

/** Family members are sent only when the family received the support (the server refuses them otherwise). */
export function supportRequest(patientId: string, m: PsychSupportModel): RecordPsychSupportRequest {
  const family = m.recipients === SupportRecipients.FAMILY || m.recipients === SupportRecipients.BOTH;
  return create(RecordPsychSupportRequestSchema, {
    patientId,
    supportDate: fromIso(m.supportDate),
    recipients: m.recipients,
    familyMembers: family ? m.familyMembers.trim() : '',
    method: m.method,
    provider: m.provider.trim(),
    note: m.note.trim(),
  });
}
