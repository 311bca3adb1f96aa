// The follow-up form's own logic: the model <-> FollowUpForm mapping (failed visits, deaths,
// medications, dates, enum defaults), the dose-range hint, the server-error routing, the
// number keys, and the alert the result page names.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { create } from '@bufbuild/protobuf';
import {
  AdverseReaction, Classification, DrugSchema, FollowUpSchema, Hospitalization, LostReason,
  VisitMode, type Drug,
} from '@/gen/smd/v1/followups_pb';
import { AlertAudience, AlertKind } from '@/gen/smd/v1/alerts_pb';
import {
  Outcome, doseWarning, emptyLine, emptyModel, fromForm, lineFromProto, lineToProto, missingRequired,
  outOfRangeLine, pageIndexOfSent, toForm, usualRange, type FormModel,
} from '@/features/followups/form-model';
import { createKeyBuffer } from '@/features/followups/number-keys';
import { raisedAlert } from '@/features/followups/alerts';
import { VisitAlertSchema } from '@/gen/smd/v1/followups_pb';
import { Role } from '@/gen/smd/v1/common_pb';

/** A complete risk-4 visit as a doctor would enter it (cf. docs/examples/followup-risk4.json). */
function risk4(): FormModel {
  const m = emptyModel('2026-11-20');
  Object.assign(m, {
    mode: 2, subjects: [2, 1], riskLevel: 4, symptomSeverity: 3, symptoms: [7, 3], insight: 2, sleep: 1, diet: 1,
    social: { selfCare: 1, housework: 1, work: 9, study: 1, social: 1 },
    lockup: 1, hospitalization: 1, lab: 1, adherence: 1, adr: 1, physical: 1, effect: 2, referral: 1,
  });
  m.behaviour.selfHarm = 1;
  m.medications = [{ ...emptyLine(), drugCode: 'risperidone', morningMg: 2, eveningMg: 2 }];
  return m;
}

const risperidone: Drug = create(DrugSchema, { code: 'risperidone', nameZh: '利培酮', nameEn: 'risperidone', kind: 1, minDailyMg: 1, maxDailyMg: 6 });
const palmitate: Drug = create(DrugSchema, {
  code: 'paliperidone_palmitate_1m', kind: 4, longActing: true, minDoseMg: 25, maxDoseMg: 150, minIntervalWeeks: 4, maxIntervalWeeks: 5,
});

describe('toForm: a seen visit', () => {
  it('maps every assessment field, sorted lists and the visit date', () => {
    const f = toForm(risk4());
    expect(f.visitDate).toMatchObject({ year: 2026, month: 11, day: 20 });
    expect(f.mode).toBe(VisitMode.HOME);
    expect(f.subjects).toEqual([1, 2]);
    expect(f.riskLevel).toBe(4);
    expect(f.symptoms).toEqual([3, 7]);
    expect(f.social).toMatchObject({ selfCare: 1, housework: 1, work: 9, study: 1, social: 1 });
    expect(f.behaviour?.selfHarm).toBe(1);
    expect(f.lostReason).toBe(LostReason.NONE);
    expect(f.referral?.referred).toBe(false);
    expect(f.labDone).toBe(false);
    expect(f.medications).toHaveLength(1);
  });
  it('risk level 0 is a level, not "unset"', () => {
    const m = risk4();
    m.riskLevel = 0;
    expect(toForm(m).riskLevel).toBe(0);
  });
  it('sends detail texts only with their trigger (the server length-checks them anyway)', () => {
    const m = risk4();
    m.labText = 'leftover';
    m.adrText = 'leftover';
    m.symptomsOther = 'leftover';
    m.referralReason = 'leftover';
    let f = toForm(m);
    expect([f.labText, f.adrText, f.symptomsOther, f.referral?.reason]).toEqual(['', '', '', '']);
    m.lab = 2; m.adr = AdverseReaction.MILD; m.symptoms = [12]; m.referral = 2; m.referralHospital = ' 南京市脑科医院 ';
    f = toForm(m);
    expect([f.labDone, f.labText, f.adrText, f.symptomsOther]).toEqual([true, 'leftover', 'leftover', 'leftover']);
    expect(f.referral).toMatchObject({ referred: true, reason: 'leftover', hospital: '南京市脑科医院' });
  });
  it('keeps the last discharge date only after a stay', () => {
    const m = risk4();
    m.lastDischargeDate = '2026-10-01';
    expect(toForm(m).lastDischargeDate).toBeUndefined();
    m.hospitalization = Hospitalization.PREVIOUSLY;
    expect(toForm(m).lastDischargeDate).toMatchObject({ year: 2026, month: 10, day: 1 });
  });
  it('an override of the class carries its reason; none sends NONE', () => {
    const m = risk4();
    m.overrideReason = 'x';
    expect(toForm(m).recordedClass).toBe(Classification.NONE);
    expect(toForm(m).overrideReason).toBe('');
    m.recordedClass = 2;
    expect(toForm(m)).toMatchObject({ recordedClass: 2, overrideReason: 'x' });
  });
});

describe('toForm: failed visits and deaths carry no assessment', () => {
  it('a failed visit sends the reason, date and mode, no risk level and nothing else', () => {
    const m = risk4(); // the hidden part of the page still holds a full assessment
    m.outcome = Outcome.FAILED;
    m.lostReason = LostReason.WORKING_AWAY;
    m.lostReasonOther = 'ignored unless 其他';
    const f = toForm(m);
    expect(f.lostReason).toBe(LostReason.WORKING_AWAY);
    expect(f.lostReasonOther).toBe('');
    expect(f.riskLevel).toBeUndefined(); // issue 14: absent, no -1 sentinel
    expect(f.visitDate).toMatchObject({ year: 2026, month: 11, day: 20 });
    expect(f.mode).toBe(VisitMode.HOME);
    expect(f.subjects).toEqual([]);
    expect(f.insight).toBe(0);
    expect(f.sleep).toBe(0);
    expect(f.social).toBeUndefined();
    expect(f.behaviour).toBeUndefined();
    expect(f.medications).toEqual([]);
    expect(f.referral).toBeUndefined();
  });
  it('reason 5 其他 sends its text', () => {
    const m = emptyModel('2026-11-20');
    m.outcome = Outcome.FAILED;
    m.lostReason = LostReason.OTHER;
    m.lostReasonOther = ' 住院中 ';
    expect(toForm(m).lostReasonOther).toBe('住院中');
  });
  it('a death report sends the date and cause without a risk level', () => {
    const m = risk4();
    m.outcome = Outcome.DIED;
    m.deathDate = '2026-11-18';
    m.deathCause = 1;
    const f = toForm(m);
    expect(f).toMatchObject({ deathCause: 1, lostReason: 0 });
    expect(f.riskLevel).toBeUndefined();
    expect(f.deathDate).toMatchObject({ year: 2026, month: 11, day: 18 });
    expect(f.medications).toEqual([]);
  });
});

describe('enum defaults: UNSPECIFIED is never sent unnoticed', () => {
  it('an empty seen visit lists every required choice, in the server\'s order', () => {
    expect(missingRequired(emptyModel('2026-11-20'))).toEqual([
      'mode', 'subjects', 'risk_level', 'symptom_severity', 'insight', 'sleep', 'diet',
      'social.self_care', 'social.housework', 'social.work', 'social.study', 'social.social',
      'lockup', 'hospitalization', 'adherence', 'adr', 'physical',
    ]);
  });
  it('a complete visit misses nothing', () => {
    expect(missingRequired(risk4())).toEqual([]);
  });
  it('a failed visit needs only date, mode and reason', () => {
    const m = emptyModel('');
    m.outcome = Outcome.FAILED;
    expect(missingRequired(m)).toEqual(['visit_date', 'mode', 'lost_reason']);
  });
  it('a death needs the date and cause', () => {
    const m = emptyModel('2026-11-20');
    m.outcome = Outcome.DIED;
    m.mode = 3;
    m.subjects = [2];
    expect(missingRequired(m)).toEqual(['death_date', 'death_cause']);
  });
  it('an unset choice goes out as 0, never as a guessed value', () => {
    const f = toForm(emptyModel('2026-11-20'));
    expect([f.mode, f.insight, f.adherence, f.adr, f.physical, f.lockup, f.hospitalization, f.effect]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // Issue 14: a level is sent only when chosen (absence is not level 0; the server says
    // "risk_level: 必填" and the page marks the field first).
    expect(f.riskLevel).toBeUndefined();
    expect(missingRequired(emptyModel('2026-11-20'))).toContain('risk_level');
  });
});

describe('toForm: a hospital-only visit (目前正在住院, not assessed)', () => {
  it('sends 目前正在住院 and the subjects, no risk level and nothing assessed', () => {
    const m = risk4(); // the hidden assessment part is ignored
    m.outcome = Outcome.IN_HOSPITAL;
    m.subjects = [2];
    const f = toForm(m);
    expect(f.hospitalization).toBe(Hospitalization.CURRENTLY);
    expect(f.riskLevel).toBeUndefined();
    expect(f.subjects).toEqual([2]);
    expect([f.insight, f.symptomSeverity, f.adherence, f.adr, f.physical]).toEqual([0, 0, 0, 0, 0]);
    expect(f.medications).toEqual([]);
    expect(f.social).toBeUndefined();
  });
  it('needs only date, mode and subjects, not a risk level', () => {
    const m = emptyModel('2026-11-20');
    m.outcome = Outcome.IN_HOSPITAL;
    expect(missingRequired(m)).toEqual(['mode', 'subjects']);
    m.mode = 3; m.subjects = [2];
    expect(missingRequired(m)).toEqual([]);
  });
  it('reads back as a hospital-only visit', () => {
    const m = emptyModel('2026-11-20');
    m.mode = 3; m.subjects = [2, 3]; m.outcome = Outcome.IN_HOSPITAL;
    expect(fromForm(toForm(m))).toMatchObject({ outcome: Outcome.IN_HOSPITAL, subjects: [2, 3], riskLevel: null });
  });
  it('a seen visit in hospital with a level stays a seen visit', () => {
    const m = risk4();
    m.hospitalization = Hospitalization.CURRENTLY;
    expect(fromForm(toForm(m)).outcome).toBe(Outcome.SEEN);
  });
});

describe('fromForm', () => {
  it('round-trips a seen visit', () => {
    const m = risk4();
    const back = fromForm(toForm(m));
    expect(toForm(back)).toEqual(toForm(m));
    expect(back.lab).toBe(1);
    expect(back.referral).toBe(1);
  });
  it('reads a failed visit and a death', () => {
    const m = emptyModel('2026-11-20');
    m.mode = 3; m.outcome = Outcome.FAILED; m.lostReason = LostReason.MISSING;
    expect(fromForm(toForm(m))).toMatchObject({ outcome: Outcome.FAILED, lostReason: LostReason.MISSING, riskLevel: null });
    const d = emptyModel('2026-11-20');
    d.mode = 2; d.subjects = [2]; d.outcome = Outcome.DIED; d.deathDate = '2026-11-19'; d.deathCause = 4;
    expect(fromForm(toForm(d))).toMatchObject({ outcome: Outcome.DIED, deathDate: '2026-11-19', deathCause: 4 });
  });
});

describe('medication lines', () => {
  it('an oral line sends 早/中/晚 and no injection fields; a reason confirms it', () => {
    const l = { ...emptyLine(), drugCode: 'risperidone', morningMg: 4, eveningMg: 4, intervalWeeks: 4, doseMg: 100 };
    expect(lineToProto(l)).toMatchObject({ morningMg: 4, noonMg: 0, eveningMg: 4, intervalWeeks: 0, doseMg: 0, outOfRangeConfirmed: false, confirmReason: '' });
    expect(lineToProto({ ...l, confirmReason: '  ' }).outOfRangeConfirmed).toBe(false);
    expect(lineToProto({ ...l, confirmReason: ' 专科医嘱 ' })).toMatchObject({ outOfRangeConfirmed: true, confirmReason: '专科医嘱' });
  });
  it('a long-acting line sends interval and dose only', () => {
    const l = { ...emptyLine(), drugCode: 'paliperidone_palmitate_1m', longActing: true, morningMg: 3, intervalWeeks: 4, doseMg: 150 };
    expect(lineToProto(l)).toMatchObject({ longActing: true, morningMg: 0, intervalWeeks: 4, doseMg: 150 });
    expect(lineFromProto(lineToProto(l))).toMatchObject({ longActing: true, morningMg: null, intervalWeeks: 4, doseMg: 150 });
  });
  it('rows without a drug are not sent; server indexes map back to page rows', () => {
    const m = risk4();
    m.medications = [emptyLine(), { ...emptyLine(), drugCode: 'olanzapine', eveningMg: 10 }];
    expect(toForm(m).medications.map((x) => x.drugCode)).toEqual(['olanzapine']);
    expect(pageIndexOfSent(m.medications, 0)).toBe(1);
    expect(pageIndexOfSent(m.medications, 1)).toBe(-1);
  });
  it('flags a daily total outside the catalogue range, and open bounds are open', () => {
    const l = { ...emptyLine(), drugCode: 'risperidone', morningMg: 4, eveningMg: 4 };
    expect(doseWarning(l, risperidone)).toBe('daily');
    expect(doseWarning({ ...l, eveningMg: 2 }, risperidone)).toBe('');
    expect(doseWarning({ ...l, morningMg: null, eveningMg: null }, risperidone)).toBe('');
    expect(doseWarning(l, create(DrugSchema, { code: 'x', minDailyMg: 1 }))).toBe('');
    expect(usualRange(risperidone)?.zh).toBe('常用日剂量 1–6 mg');
  });
  it('flags a long-acting dose, then its interval', () => {
    const l = { ...emptyLine(), drugCode: palmitate.code, longActing: true, intervalWeeks: 4, doseMg: 200 };
    expect(doseWarning(l, palmitate)).toBe('dose');
    expect(doseWarning({ ...l, doseMg: 100, intervalWeeks: 1 }, palmitate)).toBe('interval');
    expect(doseWarning({ ...l, doseMg: 100 }, palmitate)).toBe('');
  });
  it('recognises the server\'s out-of-range refusal and nothing else', () => {
    expect(outOfRangeLine('medications[1]', '利培酮 (risperidone) 日剂量超出常用范围 1–6 mg (daily dose outside the usual range); 如确需使用请确认并填写理由'))
      .toEqual({ list: 'medications', index: 1 });
    expect(outOfRangeLine('guidance[0]', 'dose per injection outside the usual range')).toEqual({ list: 'guidance', index: 0 });
    expect(outOfRangeLine('medications[0].confirm_reason', '确认超出常用范围时必须填写理由')).toBeNull();
    expect(outOfRangeLine('medications[0].drug_code', '药品不在目录中')).toBeNull();
  });
});

describe('number keys', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });
  it('a single-digit code is picked at once', () => {
    const late = vi.fn();
    const b = createKeyBuffer(['0', '1', '2', '3', '4', '5'], late);
    expect(b.press('4')).toBe('4');
    expect(b.press('0')).toBe('0');
    expect(b.press('7')).toBeNull();
    vi.runAllTimers();
    expect(late).not.toHaveBeenCalled();
  });
  it('"1" waits for a second digit when 10-12 exist; "1","2" is 12', () => {
    const late = vi.fn();
    const keys = Array.from({ length: 12 }, (_, i) => String(i + 1));
    const b = createKeyBuffer(keys, late);
    expect(b.press('1')).toBeNull();
    expect(b.press('2')).toBe('12');
    expect(b.press('1')).toBeNull();
    vi.advanceTimersByTime(700);
    expect(late).toHaveBeenCalledWith('1');
  });
  it('"1" then a digit no code continues takes both', () => {
    const late = vi.fn();
    const b = createKeyBuffer(['1', '2', '3', '10', '11'], late);
    expect(b.press('1')).toBeNull();
    expect(b.press('3')).toBe('3');
    expect(late).toHaveBeenCalledWith('1');
  });
  it('keys that are not digits of the paper code (hospitalization 0/1/2) work as given', () => {
    const b = createKeyBuffer(['0', '1', '2'], vi.fn());
    expect(b.press('0')).toBe('0');
    expect(b.press('3')).toBeNull();
  });
});

describe('the alert a visit raised: the server\'s answer (FollowUp.alert)', () => {
  it('reads kind, severity, audience, recipients and the cause in both languages', () => {
    const f = create(FollowUpSchema, {
      alert: create(VisitAlertSchema, {
        alertId: 'a1', kind: AlertKind.HIGH_RISK, audience: AlertAudience.FULL, severity: 4,
        cause: '危险性评估4级 (risk level 4)', recipients: 3, unroutedRoles: [Role.GRID_WORKER],
      }),
    });
    expect(raisedAlert(f)).toEqual({
      kind: AlertKind.HIGH_RISK, severity: 4, audience: AlertAudience.FULL,
      cause: ['危险性评估4级', 'risk level 4'], recipients: 3, unrouted: [Role.GRID_WORKER],
    });
  });
  it('no alert in the answer (a calm visit, a correction): none shown', () => {
    expect(raisedAlert(create(FollowUpSchema, {}))).toBeNull();
  });
});

