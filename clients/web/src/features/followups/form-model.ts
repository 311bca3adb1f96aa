// The follow-up form as the page edits it (FormModel) and as the API carries it
// (smd.v1.FollowUpForm), with pure mappings both ways. rules.md §3 lists the fields (the
// national 随访服务记录表, 表8); docs/rules.md "Form validation" says what the server needs.
//
// The model holds `null` for a choice not yet made. toForm never turns a missing required
// choice into a made-up value: it sends 0 (UNSPECIFIED) and missingRequired() reports the
// field first, with the server's own wording ("必填 (required)"), so the page can say so at
// the field without a round trip. The server still decides (it refuses 0 with the same
// message).
import { create } from '@bufbuild/protobuf';
import {
  FollowUpFormSchema,
  MedicationLineSchema,
  ReferralOnVisitSchema,
  SocialFunctionSchema,
  type Drug,
  type FollowUpForm,
  type MedicationLine,
  Adherence,
  AdverseReaction,
  Classification,
  DangerousBehaviourSchema,
  DeathCause,
  LockupStatus,
  Rating,
  RehabMeasure,
  Symptom,
  TreatmentEffect,
  VisitSubject,
  Hospitalization,
  Insight,
  LostReason,
  PhysicalIllness,
  SymptomSeverity,
  VisitMode,
} from '@/gen/smd/v1/followups_pb';
import { fromIso, toIso } from '@/lib/dates';

/** What happened at the visit: the first choice on the page. */
export enum Outcome {
  /** 访到: a valid follow-up with a full assessment. */
  SEEN = 1,
  /** 失访: nobody reached; only the reason (rules.md §3 若失访，原因). */
  FAILED = 2,
  /** The visit reports the patient's death (如死亡：日期, 原因); closes the case. */
  DIED = 3,
  /**
   * 目前正在住院, not assessed: the patient is in hospital and the visit records only that
   * (docs/rules.md "Hospital-only visits"). A valid follow-up (在管) with no risk level and
   * no classification.
   */
  IN_HOSPITAL = 4,
}

export interface LineModel {
  drugCode: string;
  /** From the catalogue entry of drugCode (the server checks it matches). */
  longActing: boolean;
  morningMg: number | null;
  noonMg: number | null;
  eveningMg: number | null;
  intervalWeeks: number | null;
  doseMg: number | null;
  /** A reason given for a dose outside the usual range; non-blank confirms the line. */
  confirmReason: string;
}

export interface Behaviour {
  minorTrouble: number;
  trouble: number;
  accident: number;
  otherHarm: number;
  selfHarm: number;
  attemptedSuicide: number;
}

export interface FormModel {
  visitDate: string;
  mode: number | null;
  subjects: number[];
  outcome: Outcome;
  lostReason: number | null;
  lostReasonOther: string;
  deathDate: string;
  deathCause: number | null;
  riskLevel: number | null;
  symptomSeverity: number | null;
  symptoms: number[];
  symptomsOther: string;
  insight: number | null;
  sleep: number | null;
  diet: number | null;
  social: { selfCare: number | null; housework: number | null; work: number | null; study: number | null; social: number | null };
  behaviour: Behaviour;
  lockup: number | null;
  hospitalization: number | null;
  lastDischargeDate: string;
  /** 实验室检查: 1 无 · 2 有 (the paper's codes). */
  lab: number | null;
  labText: string;
  adherence: number | null;
  adr: number | null;
  adrText: string;
  physical: number | null;
  effect: number | null;
  /** 是否转诊: 1 否 · 2 是. */
  referral: number | null;
  referralReason: string;
  referralHospital: string;
  referralDepartment: string;
  medications: LineModel[];
  guidance: LineModel[];
  rehab: number[];
  rehabOther: string;
  otherAbnormality: boolean;
  /** The doctor's own class when it differs from the computed one (0: none). */
  recordedClass: number;
  overrideReason: string;
  notes: string;
}

export function emptyLine(): LineModel {
  return {
    drugCode: '', longActing: false, morningMg: null, noonMg: null, eveningMg: null,
    intervalWeeks: null, doseMg: null, confirmReason: '',
  };
}

export function emptyModel(today: string): FormModel {
  return {
    visitDate: today,
    mode: null,
    subjects: [],
    outcome: Outcome.SEEN,
    lostReason: null,
    lostReasonOther: '',
    deathDate: '',
    deathCause: null,
    riskLevel: null,
    symptomSeverity: null,
    symptoms: [],
    symptomsOther: '',
    insight: null,
    sleep: null,
    diet: null,
    social: { selfCare: null, housework: null, work: null, study: null, social: null },
    behaviour: { minorTrouble: 0, trouble: 0, accident: 0, otherHarm: 0, selfHarm: 0, attemptedSuicide: 0 },
    lockup: null,
    hospitalization: null,
    lastDischargeDate: '',
    lab: null,
    labText: '',
    adherence: null,
    adr: null,
    adrText: '',
    physical: null,
    effect: null,
    referral: null,
    referralReason: '',
    referralHospital: '',
    referralDepartment: '',
    medications: [],
    guidance: [],
    rehab: [],
    rehabOther: '',
    otherAbnormality: false,
    recordedClass: 0,
    overrideReason: '',
    notes: '',
  };
}

const num = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const nullIfZero = (v: number): number | null => (v === 0 ? null : v);

/** A line is confirmed exactly when a non-blank reason is given (docs/medication.md). */
export function lineToProto(l: LineModel): MedicationLine {
  const reason = l.confirmReason.trim();
  return create(MedicationLineSchema, {
    drugCode: l.drugCode,
    longActing: l.longActing,
    // Oral drugs: 早/中/晚 mg and no injection fields; long-acting: the reverse. The server
    // refuses the other shape, so the hidden inputs never leak into the request.
    morningMg: l.longActing ? 0 : num(l.morningMg),
    noonMg: l.longActing ? 0 : num(l.noonMg),
    eveningMg: l.longActing ? 0 : num(l.eveningMg),
    intervalWeeks: l.longActing ? num(l.intervalWeeks) : 0,
    doseMg: l.longActing ? num(l.doseMg) : 0,
    outOfRangeConfirmed: reason !== '',
    confirmReason: reason,
  });
}

export function lineFromProto(m: MedicationLine): LineModel {
  return {
    drugCode: m.drugCode,
    longActing: m.longActing,
    morningMg: m.longActing ? null : nullIfZero(m.morningMg),
    noonMg: m.longActing ? null : nullIfZero(m.noonMg),
    eveningMg: m.longActing ? null : nullIfZero(m.eveningMg),
    intervalWeeks: m.longActing ? nullIfZero(m.intervalWeeks) : null,
    doseMg: m.longActing ? nullIfZero(m.doseMg) : null,
    confirmReason: m.outOfRangeConfirmed ? m.confirmReason : '',
  };
}

/** Lines with no drug chosen are the page's empty rows, not part of the record. */
function lines(ls: LineModel[]): MedicationLine[] {
  return ls.filter((l) => l.drugCode !== '').map(lineToProto);
}

/**
 * The request's form. A failed visit and a death report carry no assessment (no risk_level
 * and every assessment field empty: the server refuses any of them, "失访记录不填写评估"),
 * whatever the hidden part of the page still holds. risk_level is sent only when a level
 * was chosen (issue 14: absence is not level 0; the server answers "risk_level: 必填").
 */
export function toForm(m: FormModel): FollowUpForm {
  const f = create(FollowUpFormSchema, {
    visitDate: fromIso(m.visitDate),
    mode: num(m.mode) as VisitMode,
    notes: m.notes.trim(),
  });
  if (m.outcome === Outcome.FAILED) {
    f.lostReason = num(m.lostReason) as LostReason;
    if (m.lostReason === LostReason.OTHER) f.lostReasonOther = m.lostReasonOther.trim();
    return f;
  }
  f.subjects = [...m.subjects].sort((a, b) => a - b) as VisitSubject[];
  if (m.outcome === Outcome.DIED) {
    f.deathDate = fromIso(m.deathDate);
    f.deathCause = num(m.deathCause) as DeathCause;
    return f;
  }
  if (m.outcome === Outcome.IN_HOSPITAL) {
    // 目前正在住院 and nothing else assessed (the server refuses any other field).
    f.hospitalization = Hospitalization.CURRENTLY;
    return f;
  }
  if (m.riskLevel !== null) f.riskLevel = m.riskLevel;
  f.symptomSeverity = num(m.symptomSeverity) as SymptomSeverity;
  f.symptoms = [...m.symptoms].sort((a, b) => a - b) as Symptom[];
  if (m.symptoms.includes(12)) f.symptomsOther = m.symptomsOther.trim();
  f.insight = num(m.insight) as Insight;
  f.sleep = num(m.sleep) as Rating;
  f.diet = num(m.diet) as Rating;
  f.social = create(SocialFunctionSchema, {
    selfCare: num(m.social.selfCare) as Rating,
    housework: num(m.social.housework) as Rating,
    work: num(m.social.work) as Rating,
    study: num(m.social.study) as Rating,
    social: num(m.social.social) as Rating,
  });
  const b = m.behaviour;
  f.behaviour = create(DangerousBehaviourSchema, {
    minorTrouble: num(b.minorTrouble),
    trouble: num(b.trouble),
    accident: num(b.accident),
    otherHarm: num(b.otherHarm),
    selfHarm: num(b.selfHarm),
    attemptedSuicide: num(b.attemptedSuicide),
  });
  f.lockup = num(m.lockup) as LockupStatus;
  f.hospitalization = num(m.hospitalization) as Hospitalization;
  // 末次出院时间 only means something after a stay.
  if (m.hospitalization !== Hospitalization.NEVER) f.lastDischargeDate = fromIso(m.lastDischargeDate);
  f.labDone = m.lab === 2;
  if (f.labDone) f.labText = m.labText.trim();
  f.adherence = num(m.adherence) as Adherence;
  f.adr = num(m.adr) as AdverseReaction;
  if (m.adr === AdverseReaction.MILD || m.adr === AdverseReaction.SERIOUS) f.adrText = m.adrText.trim();
  f.physical = num(m.physical) as PhysicalIllness;
  f.effect = num(m.effect) as TreatmentEffect;
  f.referral = create(ReferralOnVisitSchema, m.referral === 2
    ? { referred: true, reason: m.referralReason.trim(), hospital: m.referralHospital.trim(), department: m.referralDepartment.trim() }
    : {});
  f.medications = lines(m.medications);
  f.guidance = lines(m.guidance);
  f.rehab = [...m.rehab].sort((a, b) => a - b) as RehabMeasure[];
  if (m.rehab.includes(5)) f.rehabOther = m.rehabOther.trim();
  f.otherAbnormality = m.otherAbnormality;
  if (m.recordedClass) {
    f.recordedClass = m.recordedClass as Classification;
    f.overrideReason = m.overrideReason.trim();
  }
  return f;
}

/** The page's model of a stored form (a correction starts from it). */
export function fromForm(f: FollowUpForm): FormModel {
  const m = emptyModel(toIso(f.visitDate));
  m.mode = nullIfZero(f.mode);
  m.subjects = [...f.subjects];
  m.notes = f.notes;
  if (f.lostReason !== LostReason.NONE) {
    m.outcome = Outcome.FAILED;
    m.lostReason = f.lostReason;
    m.lostReasonOther = f.lostReasonOther;
    return m;
  }
  if (f.deathDate && f.deathDate.year) {
    m.outcome = Outcome.DIED;
    m.deathDate = toIso(f.deathDate);
    m.deathCause = nullIfZero(f.deathCause);
    return m;
  }
  if (f.riskLevel === undefined && f.hospitalization === Hospitalization.CURRENTLY) {
    m.outcome = Outcome.IN_HOSPITAL;
    return m;
  }
  m.riskLevel = f.riskLevel ?? null;
  m.symptomSeverity = nullIfZero(f.symptomSeverity);
  m.symptoms = [...f.symptoms];
  m.symptomsOther = f.symptomsOther;
  m.insight = nullIfZero(f.insight);
  m.sleep = nullIfZero(f.sleep);
  m.diet = nullIfZero(f.diet);
  const s = f.social;
  m.social = {
    selfCare: nullIfZero(s?.selfCare ?? 0), housework: nullIfZero(s?.housework ?? 0),
    work: nullIfZero(s?.work ?? 0), study: nullIfZero(s?.study ?? 0), social: nullIfZero(s?.social ?? 0),
  };
  const b = f.behaviour;
  m.behaviour = {
    minorTrouble: b?.minorTrouble ?? 0, trouble: b?.trouble ?? 0, accident: b?.accident ?? 0,
    otherHarm: b?.otherHarm ?? 0, selfHarm: b?.selfHarm ?? 0, attemptedSuicide: b?.attemptedSuicide ?? 0,
  };
  m.lockup = nullIfZero(f.lockup);
  m.hospitalization = nullIfZero(f.hospitalization);
  m.lastDischargeDate = toIso(f.lastDischargeDate);
  m.lab = f.labDone ? 2 : 1;
  m.labText = f.labText;
  m.adherence = nullIfZero(f.adherence);
  m.adr = nullIfZero(f.adr);
  m.adrText = f.adrText;
  m.physical = nullIfZero(f.physical);
  m.effect = nullIfZero(f.effect);
  const r = f.referral;
  m.referral = r?.referred ? 2 : 1;
  m.referralReason = r?.reason ?? '';
  m.referralHospital = r?.hospital ?? '';
  m.referralDepartment = r?.department ?? '';
  m.medications = f.medications.map(lineFromProto);
  m.guidance = f.guidance.map(lineFromProto);
  m.rehab = [...f.rehab];
  m.rehabOther = f.rehabOther;
  m.otherAbnormality = f.otherAbnormality;
  m.recordedClass = f.recordedClass;
  m.overrideReason = f.overrideReason;
  return m;
}

/**
 * Required choices not yet made, as the server's field paths, in the server's order
 * (domain/followup_validation.cc): the page marks them "必填" before sending. Only for
 * speed: texts, ranges and dates are left to the server.
 */
export function missingRequired(m: FormModel): string[] {
  const out: string[] = [];
  if (!m.visitDate) out.push('visit_date');
  if (m.mode === null) out.push('mode');
  if (m.outcome === Outcome.FAILED) {
    if (m.lostReason === null) out.push('lost_reason');
    return out;
  }
  if (m.subjects.length === 0) out.push('subjects');
  if (m.outcome === Outcome.DIED) {
    if (!m.deathDate) out.push('death_date');
    if (m.deathCause === null) out.push('death_cause');
    return out;
  }
  if (m.outcome === Outcome.IN_HOSPITAL) return out;
  const required: [string, unknown][] = [
    ['risk_level', m.riskLevel],
    ['symptom_severity', m.symptomSeverity],
    ['insight', m.insight],
    ['sleep', m.sleep],
    ['diet', m.diet],
    ['social.self_care', m.social.selfCare],
    ['social.housework', m.social.housework],
    ['social.work', m.social.work],
    ['social.study', m.social.study],
    ['social.social', m.social.social],
    ['lockup', m.lockup],
    ['hospitalization', m.hospitalization],
    ['adherence', m.adherence],
    ['adr', m.adr],
    ['physical', m.physical],
  ];
  for (const [field, v] of required) if (v === null) out.push(field);
  return out;
}

/** "1–6 mg" style range text; a bound of 0 is open (ListDrugs returns 0 for none). */
function rangeText(lo: number, hi: number, unit: string): string {
  if (lo && hi) return `${lo}–${hi} ${unit}`;
  if (lo) return `≥ ${lo} ${unit}`;
  return `≤ ${hi} ${unit}`;
}

function outside(v: number, lo: number, hi: number): boolean {
  return (lo > 0 && v < lo) || (hi > 0 && v > hi);
}

/** The catalogue's usual range for a line, as shown beside the dose inputs. */
export function usualRange(d: Drug | undefined): { zh: string; en: string } | null {
  if (!d) return null;
  if (!d.longActing) {
    if (!d.minDailyMg && !d.maxDailyMg) return null;
    const r = rangeText(d.minDailyMg, d.maxDailyMg, 'mg');
    return { zh: `常用日剂量 ${r}`, en: `usual daily dose ${r}` };
  }
  const parts: { zh: string; en: string }[] = [];
  if (d.minDoseMg || d.maxDoseMg) {
    const r = rangeText(d.minDoseMg, d.maxDoseMg, 'mg');
    parts.push({ zh: `每次 ${r}`, en: `${r} per injection` });
  }
  if (d.minIntervalWeeks || d.maxIntervalWeeks) {
    const zh = rangeText(d.minIntervalWeeks, d.maxIntervalWeeks, '周');
    const en = rangeText(d.minIntervalWeeks, d.maxIntervalWeeks, 'weeks');
    parts.push({ zh: `间隔 ${zh}`, en: `every ${en}` });
  }
  if (!parts.length) return null;
  return { zh: '常用 ' + parts.map((p) => p.zh).join('，'), en: 'usual ' + parts.map((p) => p.en).join(', ') };
}

/**
 * Whether a line's dose lies outside the catalogue's usual range (docs/medication.md
 * "Checking a prescription": oral, the daily total 早+中+晚; long-acting, the dose per
 * injection, then the interval). A hint shown at once; the server's check is the one that
 * counts. Returns '' inside the range or when nothing is entered yet.
 */
export function doseWarning(l: LineModel, d: Drug | undefined): '' | 'daily' | 'dose' | 'interval' {
  if (!d) return '';
  if (!d.longActing) {
    const daily = num(l.morningMg) + num(l.noonMg) + num(l.eveningMg);
    if (daily <= 0) return '';
    return outside(daily, d.minDailyMg, d.maxDailyMg) ? 'daily' : '';
  }
  if (num(l.doseMg) > 0 && outside(num(l.doseMg), d.minDoseMg, d.maxDoseMg)) return 'dose';
  if (num(l.intervalWeeks) > 0 && outside(num(l.intervalWeeks), d.minIntervalWeeks, d.maxIntervalWeeks)) return 'interval';
  return '';
}

/**
 * The line a server refusal is about when it is the out-of-range refusal
 * ("medications[0]: 利培酮 (risperidone) 日剂量超出常用范围 ...; 如确需使用请确认并填写理由"),
 * or null for any other error.
 */
export function outOfRangeLine(field: string, text: string): { list: 'medications' | 'guidance'; index: number } | null {
  const m = /^(medications|guidance)\[(\d+)\]$/.exec(field);
  if (!m || !/超出常用范围|outside the usual range/.test(text)) return null;
  return { list: m[1] as 'medications' | 'guidance', index: Number(m[2]) };
}

/** Index in the page's list of the n-th line that is sent (rows without a drug are not). */
export function pageIndexOfSent(ls: LineModel[], sentIndex: number): number {
  let n = -1;
  for (let i = 0; i < ls.length; i++) {
    if (ls[i].drugCode === '') continue;
    n++;
    if (n === sentIndex) return i;
  }
  return -1;
}
