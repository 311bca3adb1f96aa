// The record forms' models (what the inputs hold: "YYYY-MM-DD" dates, "YYYY-MM-DD HH:mm"
// Beijing times, numbers or null for empty boxes) and their requests (followups.proto).
// Pure functions, unit-tested (tests/unit/records-mapping.test.ts). No client-side rule
// beyond trimming: the server validates (docs/api.md FollowUpService table).
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import {
  RecordEmergencyRequestSchema,
  RequestReferralRequestSchema,
  UpdateReferralRequestSchema,
  RecordDischargeRequestSchema,
  RecordHealthCheckRequestSchema,
  CheckResult,
  ReferralStatus,
  type RecordEmergencyRequest,
  type RequestReferralRequest,
  type UpdateReferralRequest,
  type RecordDischargeRequest,
  type RecordHealthCheckRequest,
} from '@/gen/smd/v1/followups_pb';
import { fromIso, toIso, todayIso } from '@/lib/dates';

// ---- times: the district's clock (Asia/Shanghai, UTC+8, no daylight saving) ----

/** "YYYY-MM-DD HH:mm" (Beijing) to a Timestamp; undefined when empty or malformed. */
export function beijingToTimestamp(s: string | null | undefined): Timestamp | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec((s ?? '').trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}+08:00`);
  return Number.isNaN(ms) ? undefined : timestampFromDate(new Date(ms));
}

/** A Timestamp as "YYYY-MM-DD HH:mm" in Beijing time; "" when unset. */
export function timestampToBeijing(ts: Timestamp | undefined): string {
  if (!ts || (ts.seconds === 0n && ts.nanos === 0)) return '';
  const d = new Date(timestampDate(ts).getTime() + 8 * 3600 * 1000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** Now in Beijing as "YYYY-MM-DD HH:mm". */
export function nowBeijing(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

// ---- 应急处置记录单 (表12, rules.md §6) ----

export interface EmergencyModel {
  startedAt: string;
  endedAt: string;
  place: string;
  trigger: number | null;
  description: string;
  measures: string;
  outcome: string;
  peopleInvolved: string;
  registeredPatient: boolean;
}

export function emptyEmergency(): EmergencyModel {
  return {
    startedAt: '', endedAt: '', place: '', trigger: null, description: '', measures: '',
    outcome: '', peopleInvolved: '', registeredPatient: true,
  };
}

export function emergencyRequest(patientId: string, m: EmergencyModel): RecordEmergencyRequest {
  return create(RecordEmergencyRequestSchema, {
    patientId,
    startedAt: beijingToTimestamp(m.startedAt),
    endedAt: beijingToTimestamp(m.endedAt),
    place: m.place.trim(),
    trigger: m.trigger ?? 0,
    description: m.description.trim(),
    measures: m.measures.trim(),
    outcome: m.outcome.trim(),
    peopleInvolved: m.peopleInvolved.trim(),
    registeredPatient: m.registeredPatient,
  });
}

export function emergencyModel(r: RecordEmergencyRequest): EmergencyModel {
  return {
    startedAt: timestampToBeijing(r.startedAt),
    endedAt: timestampToBeijing(r.endedAt),
    place: r.place,
    trigger: r.trigger || null,
    description: r.description,
    measures: r.measures,
    outcome: r.outcome,
    peopleInvolved: r.peopleInvolved,
    registeredPatient: r.registeredPatient,
  };
}

// ---- 双向转诊单 (表10) ----

export interface ReferralModel {
  hospital: string;
  department: string;
  reason: string;
  urgent: boolean;
}

export function emptyReferral(): ReferralModel {
  return { hospital: '', department: '', reason: '', urgent: false };
}

/** An empty hospital is sent empty: the server then uses the designated hospital. */
export function referralRequest(patientId: string, m: ReferralModel): RequestReferralRequest {
  return create(RequestReferralRequestSchema, {
    patientId,
    hospital: m.hospital.trim(),
    department: m.department.trim(),
    reason: m.reason.trim(),
    urgent: m.urgent,
  });
}

export interface ReferralUpdateModel {
  status: ReferralStatus | null;
  note: string;
}

export function referralUpdateRequest(referralId: string, m: ReferralUpdateModel): UpdateReferralRequest {
  return create(UpdateReferralRequestSchema, {
    referralId,
    status: m.status ?? ReferralStatus.UNSPECIFIED,
    note: m.note.trim(),
  });
}

// ---- 出院信息单 (表4) ----

export interface DischargeModel {
  hospital: string;
  admittedOn: string;
  dischargedOn: string;
  receivedOn: string;
  summary: string;
}

export function emptyDischarge(today: string = todayIso()): DischargeModel {
  return { hospital: '', admittedOn: '', dischargedOn: '', receivedOn: today, summary: '' };
}

export function dischargeRequest(patientId: string, m: DischargeModel): RecordDischargeRequest {
  return create(RecordDischargeRequestSchema, {
    patientId,
    hospital: m.hospital.trim(),
    admittedOn: fromIso(m.admittedOn),
    dischargedOn: fromIso(m.dischargedOn),
    receivedOn: fromIso(m.receivedOn),
    summary: m.summary.trim(),
  });
}

export function dischargeModel(r: RecordDischargeRequest): DischargeModel {
  return {
    hospital: r.hospital,
    admittedOn: toIso(r.admittedOn),
    dischargedOn: toIso(r.dischargedOn),
    receivedOn: toIso(r.receivedOn),
    summary: r.summary,
  };
}

// ---- 年度健康体检 (rules.md §4.2) ----

export interface HealthCheckModel {
  checkDate: string;
  consent: boolean;
  consentBy: string;
  physicalExam: CheckResult;
  /** null: not measured (sent as 0, which the server reads as not measured). */
  bpSystolic: number | null;
  bpDiastolic: number | null;
  weightKg: number | null;
  bloodCount: CheckResult;
  liverFunction: CheckResult;
  bloodGlucose: CheckResult;
  ecg: CheckResult;
  notes: string;
}

export function emptyHealthCheck(today: string = todayIso()): HealthCheckModel {
  return {
    checkDate: today, consent: false, consentBy: '', physicalExam: CheckResult.NOT_DONE,
    bpSystolic: null, bpDiastolic: null, weightKg: null, bloodCount: CheckResult.NOT_DONE,
    liverFunction: CheckResult.NOT_DONE, bloodGlucose: CheckResult.NOT_DONE, ecg: CheckResult.NOT_DONE,
    notes: '',
  };
}

export function healthCheckRequest(patientId: string, m: HealthCheckModel): RecordHealthCheckRequest {
  return create(RecordHealthCheckRequestSchema, {
    patientId,
    checkDate: fromIso(m.checkDate),
    consent: m.consent,
    consentBy: m.consentBy.trim(),
    physicalExam: m.physicalExam,
    bpSystolic: m.bpSystolic ?? 0,
    bpDiastolic: m.bpDiastolic ?? 0,
    weightKg: m.weightKg ?? 0,
    bloodCount: m.bloodCount,
    liverFunction: m.liverFunction,
    bloodGlucose: m.bloodGlucose,
    ecg: m.ecg,
    notes: m.notes.trim(),
  });
}

export function healthCheckModel(r: RecordHealthCheckRequest): HealthCheckModel {
  return {
    checkDate: toIso(r.checkDate),
    consent: r.consent,
    consentBy: r.consentBy,
    physicalExam: r.physicalExam,
    bpSystolic: r.bpSystolic || null,
    bpDiastolic: r.bpDiastolic || null,
    weightKg: r.weightKg || null,
    bloodCount: r.bloodCount,
    liverFunction: r.liverFunction,
    bloodGlucose: r.bloodGlucose,
    ecg: r.ecg,
    notes: r.notes,
  };
}

/** The form's field paths, as the server names them in its errors (snake_case). */
export const EMERGENCY_FIELDS = ['started_at', 'ended_at', 'place', 'trigger', 'description', 'measures', 'outcome', 'people_involved', 'registered_patient'];
export const REFERRAL_FIELDS = ['hospital', 'department', 'reason', 'urgent'];
export const REFERRAL_UPDATE_FIELDS = ['status', 'note'];
export const DISCHARGE_FIELDS = ['hospital', 'admitted_on', 'discharged_on', 'received_on', 'summary'];
export const HEALTH_CHECK_FIELDS = ['check_date', 'consent', 'consent_by', 'physical_exam', 'bp_systolic', 'bp_diastolic', 'weight_kg', 'blood_count', 'liver_function', 'blood_glucose', 'ecg', 'notes'];

/**
 * The ID number as the banner shows it: masked like the server's need-to-know views
 * ("320106********1234", docs/api.md "Need-to-know views") even for roles that receive it
 * whole, since the banner only identifies the patient. An already masked value is kept.
 */
export function maskIdNumber(id: string): string {
  if (!id || id.includes('*') || id.length < 11) return id;
  return id.slice(0, 6) + '*'.repeat(id.length - 10) + id.slice(-4);
}
