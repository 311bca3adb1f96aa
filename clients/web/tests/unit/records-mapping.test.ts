import { describe, expect, it } from 'vitest';
import { CheckResult, ReferralStatus } from '@/gen/smd/v1/followups_pb';
import {
  beijingToTimestamp, timestampToBeijing, nowBeijing,
  emergencyRequest, emergencyModel, emptyEmergency,
  referralRequest, referralUpdateRequest, emptyReferral,
  dischargeRequest, dischargeModel, emptyDischarge,
  healthCheckRequest, healthCheckModel, emptyHealthCheck, maskIdNumber,
} from '@/features/records/mapping';
import { nextReferralStatuses } from '@/features/records/labels';

describe('Beijing times', () => {
  it('reads "YYYY-MM-DD HH:mm" as UTC+8', () => {
    const ts = beijingToTimestamp('2026-12-06 08:30')!;
    expect(new Date(Number(ts.seconds) * 1000).toISOString()).toBe('2026-12-06T00:30:00.000Z');
    expect(timestampToBeijing(ts)).toBe('2026-12-06 08:30');
  });
  it('leaves empty or malformed input unset', () => {
    expect(beijingToTimestamp('')).toBeUndefined();
    expect(beijingToTimestamp('6/12/2026')).toBeUndefined();
    expect(timestampToBeijing(undefined)).toBe('');
  });
  it('gives now in Beijing', () => {
    expect(nowBeijing(new Date('2026-12-06T17:00:00Z'))).toBe('2026-12-07 01:00');
  });
});

describe('emergency (表12)', () => {
  it('maps the model to RecordEmergencyRequest and back', () => {
    const m = { ...emptyEmergency(), startedAt: '2026-12-01 21:05', endedAt: '2026-12-01 22:40', place: ' 患者家中 ',
      trigger: 2, description: '在家中摔砸物品', measures: '劝说安抚，民警到场', outcome: '情绪平稳', peopleInvolved: '精防医生、民警',
      registeredPatient: true };
    const r = emergencyRequest('p1', m);
    expect(r.patientId).toBe('p1');
    expect(r.place).toBe('患者家中');
    expect(r.trigger).toBe(2);
    expect(r.registeredPatient).toBe(true);
    expect(timestampToBeijing(r.startedAt)).toBe('2026-12-01 21:05');
    expect(emergencyModel(r)).toEqual({ ...m, place: '患者家中' });
  });
  it('sends trigger 0 and no times when not chosen (the server names the field)', () => {
    const r = emergencyRequest('p1', emptyEmergency());
    expect(r.trigger).toBe(0);
    expect(r.startedAt).toBeUndefined();
    expect(r.endedAt).toBeUndefined();
  });
});

describe('referral (表10)', () => {
  it('sends an empty hospital empty (the designated hospital)', () => {
    const r = referralRequest('p1', { ...emptyReferral(), reason: ' 病情不稳定 ', urgent: true });
    expect(r.hospital).toBe('');
    expect(r.reason).toBe('病情不稳定');
    expect(r.urgent).toBe(true);
  });
  it('maps a status update', () => {
    const u = referralUpdateRequest('r1', { status: ReferralStatus.ACCEPTED, note: ' 已收治 ' });
    expect(u).toMatchObject({ referralId: 'r1', status: ReferralStatus.ACCEPTED, note: '已收治' });
    expect(referralUpdateRequest('r1', { status: null, note: '' }).status).toBe(ReferralStatus.UNSPECIFIED);
  });
  it('offers the steps of the status flow', () => {
    expect(nextReferralStatuses(ReferralStatus.REQUESTED)).toEqual([ReferralStatus.ACCEPTED, ReferralStatus.REFUSED]);
    expect(nextReferralStatuses(ReferralStatus.ACCEPTED)).toEqual([ReferralStatus.ADMITTED, ReferralStatus.RETURNED]);
    expect(nextReferralStatuses(ReferralStatus.ADMITTED)).toEqual([ReferralStatus.RETURNED]);
    expect(nextReferralStatuses(ReferralStatus.RETURNED)).toEqual([]);
    expect(nextReferralStatuses(ReferralStatus.REFUSED)).toEqual([]);
    expect(nextReferralStatuses(undefined)).toHaveLength(4);
  });
});

describe('discharge (表4)', () => {
  it('defaults received_on to today and maps dates', () => {
    const m = { ...emptyDischarge('2026-12-06'), hospital: '南京市脑科医院', dischargedOn: '2026-11-30', admittedOn: '2026-11-01' };
    expect(m.receivedOn).toBe('2026-12-06');
    const r = dischargeRequest('p1', m);
    expect(r.dischargedOn).toMatchObject({ year: 2026, month: 11, day: 30 });
    expect(r.receivedOn).toMatchObject({ year: 2026, month: 12, day: 6 });
    expect(dischargeModel(r)).toEqual(m);
  });
  it('leaves an empty admission date unset', () => {
    expect(dischargeRequest('p1', emptyDischarge('2026-12-06')).admittedOn).toBeUndefined();
  });
});

describe('health check', () => {
  it('sends unmeasured values as 0 and reads 0 back as empty', () => {
    const m = { ...emptyHealthCheck('2026-12-06'), consent: true, consentBy: '监护人', bpSystolic: 128, bpDiastolic: 82,
      ecg: CheckResult.ABNORMAL, bloodGlucose: CheckResult.NORMAL };
    const r = healthCheckRequest('p1', m);
    expect(r).toMatchObject({ consent: true, consentBy: '监护人', bpSystolic: 128, bpDiastolic: 82, weightKg: 0,
      ecg: CheckResult.ABNORMAL, bloodGlucose: CheckResult.NORMAL, physicalExam: CheckResult.NOT_DONE });
    expect(r.checkDate).toMatchObject({ year: 2026, month: 12, day: 6 });
    expect(healthCheckModel(r)).toEqual(m);
  });
});

describe('banner', () => {
  it('masks an ID number as the server does', () => {
    expect(maskIdNumber('32010619960406022X')).toBe('320106********022X');
    expect(maskIdNumber('320106********022X')).toBe('320106********022X');
    expect(maskIdNumber('')).toBe('');
  });
});
