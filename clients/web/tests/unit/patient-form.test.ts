// Form model <-> PatientDetails (表7), both ways.
import { describe, expect, it } from 'vitest';
import { create, toJson } from '@bufbuild/protobuf';
import { PatientDetailsSchema, DiagnosisCategory } from '@/gen/smd/v1/patients_pb';
import { LockupStatus } from '@/gen/smd/v1/followups_pb';
import { emptyForm, detailsToForm, formToDetails, formFingerprint, onsetText } from '@/features/patients/form-model';

function filled() {
  const f = emptyForm();
  Object.assign(f, {
    idNumber: ' 11010519491231002x ', name: ' 张三 ', phone: '13800000000', address: '某路1号',
    jurisdiction: '320106001001', guardianName: '李四', guardianRelationship: '配偶', guardianPhone: '13900000000',
    consent: true, consentDate: '2024-03-01', consentSigner: '李四',
    diagnosis: DiagnosisCategory.DIAGNOSIS_SCHIZOPHRENIA, icd10: 'F20.0', diagnosisDate: '2010-05-06',
    onsetYear: 2009, onsetMonth: 7, onsetDay: null,
    pastSymptoms: [3, 1, 3], pastLockup: LockupStatus.LOCKUP_NONE, hospitalizations: 2,
    specialistOpinion: '  维持治疗  ', povertyRelief: true,
  });
  f.pastBehaviour.selfHarm = 1;
  return f;
}

describe('formToDetails', () => {
  it('maps every group of the form', () => {
    const d = formToDetails(filled());
    expect(d.idNumber).toBe('11010519491231002X');
    expect(d.name).toBe('张三');
    expect(d.guardian?.name).toBe('李四');
    expect(d.guardian?.relationship).toBe('配偶');
    expect(d.consentDate).toMatchObject({ year: 2024, month: 3, day: 1 });
    expect(d.diagnosisDate).toMatchObject({ year: 2010, month: 5, day: 6 });
    expect(d.onset).toMatchObject({ year: 2009, month: 7, day: 0 });
    expect(d.pastSymptoms).toEqual([1, 3]);
    expect(d.pastBehaviour?.selfHarm).toBe(1);
    expect(d.hospitalizations).toBe(2);
    expect(d.specialistOpinion).toBe('维持治疗');
    expect(d.povertyRelief).toBe(true);
  });
  it('leaves unknown dates unset, not 0000-00-00', () => {
    const d = formToDetails(emptyForm());
    expect(d.consentDate).toBeUndefined();
    expect(d.onset).toBeUndefined();
    expect(d.firstAntipsychoticDate).toBeUndefined();
    const json = toJson(PatientDetailsSchema, d) as Record<string, unknown>;
    expect(json.consentDate).toBeUndefined();
  });
  it('drops the other-symptoms text unless 12 其他 is ticked', () => {
    const f = filled();
    f.pastSymptomsOther = '失眠';
    expect(formToDetails(f).pastSymptomsOther).toBe('');
    f.pastSymptoms.push(12);
    expect(formToDetails(f).pastSymptomsOther).toBe('失眠');
  });
});

describe('detailsToForm', () => {
  it('round-trips', () => {
    const d = formToDetails(filled());
    const back = detailsToForm(d);
    expect(formToDetails(back)).toEqual(d);
    expect(back.onsetDay).toBeNull();
    expect(back.consentDate).toBe('2024-03-01');
  });
  it('keeps the ID number as the server returned it (masked)', () => {
    const d = create(PatientDetailsSchema, { name: '王五' });
    expect(detailsToForm(d, '320106********1234').idNumber).toBe('320106********1234');
  });
  it('gives an empty form for no details', () => {
    expect(formFingerprint(detailsToForm(undefined))).toBe(formFingerprint(emptyForm()));
  });
});

describe('onsetText', () => {
  it('shows what is known', () => {
    expect(onsetText(undefined)).toBe('');
    expect(onsetText({ year: 2009, month: 0, day: 0 } as never)).toBe('2009');
    expect(onsetText({ year: 2009, month: 7, day: 0 } as never)).toBe('2009-07');
    expect(onsetText({ year: 2009, month: 7, day: 5 } as never)).toBe('2009-07-05');
  });
});
