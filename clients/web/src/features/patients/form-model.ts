// The registration form (表7) as the page edits it, and its mapping to and from the API's
// PatientDetails. Pure functions (tests/unit/patient-form.test.ts): dates are "YYYY-MM-DD"
// strings for el-date-picker, enums are numbers with 0 = not chosen, the onset is a partial
// date (year, or year and month, may be all that is known: rules.md §7 初次发病时间).
import { create } from '@bufbuild/protobuf';
import { PatientDetailsSchema, GuardianSchema, type PatientDetails } from '@/gen/smd/v1/patients_pb';
// A follow-up type shared by the register (proto/smd/v1/followups.proto since issue 14).
import { DangerousBehaviourSchema } from '@/gen/smd/v1/followups_pb';
import { PartialDateSchema, type PartialDate } from '@/gen/smd/v1/common_pb';
import { toIso, fromIso } from '@/lib/dates';

export interface BehaviourCounts {
  minorTrouble: number;
  trouble: number;
  accident: number;
  otherHarm: number;
  selfHarm: number;
  attemptedSuicide: number;
}

export interface PatientForm {
  idNumber: string;
  name: string;
  phone: string;
  address: string;
  jurisdiction: string;
  guardianName: string;
  guardianRelationship: string;
  guardianAddress: string;
  guardianPhone: string;
  communityContactName: string;
  communityContactPhone: string;
  consent: boolean;
  consentDate: string;
  consentSigner: string;
  diagnosis: number;
  icd10: string;
  diagnosingHospital: string;
  diagnosisDate: string;
  onsetYear: number | null;
  onsetMonth: number | null;
  onsetDay: number | null;
  pastSymptoms: number[];
  pastSymptomsOther: string;
  pastLockup: number;
  outpatient: number;
  firstAntipsychoticDate: string;
  hospitalizations: number;
  lastTreatmentEffect: number;
  pastBehaviour: BehaviourCounts;
  economic: number;
  specialistOpinion: string;
  povertyRelief: boolean;
  guardianshipSubsidy: boolean;
  disabilityCertificate: boolean;
  communityRehab: boolean;
}

export function emptyForm(): PatientForm {
  return {
    idNumber: '', name: '', phone: '', address: '', jurisdiction: '',
    guardianName: '', guardianRelationship: '', guardianAddress: '', guardianPhone: '',
    communityContactName: '', communityContactPhone: '',
    consent: true, consentDate: '', consentSigner: '',
    diagnosis: 0, icd10: '', diagnosingHospital: '', diagnosisDate: '',
    onsetYear: null, onsetMonth: null, onsetDay: null,
    pastSymptoms: [], pastSymptomsOther: '', pastLockup: 0, outpatient: 0,
    firstAntipsychoticDate: '', hospitalizations: 0, lastTreatmentEffect: 0,
    pastBehaviour: { minorTrouble: 0, trouble: 0, accident: 0, otherHarm: 0, selfHarm: 0, attemptedSuicide: 0 },
    economic: 0, specialistOpinion: '',
    povertyRelief: false, guardianshipSubsidy: false, disabilityCertificate: false, communityRehab: false,
  };
}

/** What the server stored, as the form shows it. */
export function detailsToForm(d: PatientDetails | undefined, idNumber = ''): PatientForm {
  const f = emptyForm();
  if (!d) return { ...f, idNumber };
  const b = d.pastBehaviour;
  return {
    idNumber: idNumber || d.idNumber,
    name: d.name,
    phone: d.phone,
    address: d.address,
    jurisdiction: d.jurisdiction,
    guardianName: d.guardian?.name ?? '',
    guardianRelationship: d.guardian?.relationship ?? '',
    guardianAddress: d.guardian?.address ?? '',
    guardianPhone: d.guardian?.phone ?? '',
    communityContactName: d.communityContactName,
    communityContactPhone: d.communityContactPhone,
    consent: d.consent,
    consentDate: toIso(d.consentDate),
    consentSigner: d.consentSigner,
    diagnosis: d.diagnosis,
    icd10: d.icd10,
    diagnosingHospital: d.diagnosingHospital,
    diagnosisDate: toIso(d.diagnosisDate),
    onsetYear: d.onset?.year || null,
    onsetMonth: d.onset?.month || null,
    onsetDay: d.onset?.day || null,
    pastSymptoms: [...d.pastSymptoms].sort((x, y) => x - y),
    pastSymptomsOther: d.pastSymptomsOther,
    pastLockup: d.pastLockup,
    outpatient: d.outpatient,
    firstAntipsychoticDate: toIso(d.firstAntipsychoticDate),
    hospitalizations: d.hospitalizations,
    lastTreatmentEffect: d.lastTreatmentEffect,
    pastBehaviour: {
      minorTrouble: b?.minorTrouble ?? 0,
      trouble: b?.trouble ?? 0,
      accident: b?.accident ?? 0,
      otherHarm: b?.otherHarm ?? 0,
      selfHarm: b?.selfHarm ?? 0,
      attemptedSuicide: b?.attemptedSuicide ?? 0,
    },
    economic: d.economic,
    specialistOpinion: d.specialistOpinion,
    povertyRelief: d.povertyRelief,
    guardianshipSubsidy: d.guardianshipSubsidy,
    disabilityCertificate: d.disabilityCertificate,
    communityRehab: d.communityRehab,
  };
}

/** The form as the API's PatientDetails. Text is trimmed; nothing is judged here (the server does). */
export function formToDetails(f: PatientForm): PatientDetails {
  const tr = (s: string) => s.trim();
  const onsetGiven = f.onsetYear !== null || f.onsetMonth !== null || f.onsetDay !== null;
  return create(PatientDetailsSchema, {
    idNumber: tr(f.idNumber).toUpperCase(),
    name: tr(f.name),
    phone: tr(f.phone),
    address: tr(f.address),
    jurisdiction: f.jurisdiction,
    guardian: create(GuardianSchema, {
      name: tr(f.guardianName),
      relationship: tr(f.guardianRelationship),
      address: tr(f.guardianAddress),
      phone: tr(f.guardianPhone),
    }),
    communityContactName: tr(f.communityContactName),
    communityContactPhone: tr(f.communityContactPhone),
    consent: f.consent,
    consentDate: fromIso(f.consentDate),
    consentSigner: tr(f.consentSigner),
    diagnosis: f.diagnosis,
    icd10: tr(f.icd10),
    diagnosingHospital: tr(f.diagnosingHospital),
    diagnosisDate: fromIso(f.diagnosisDate),
    onset: onsetGiven
      ? create(PartialDateSchema, { year: f.onsetYear ?? 0, month: f.onsetMonth ?? 0, day: f.onsetDay ?? 0 })
      : undefined,
    pastSymptoms: [...new Set(f.pastSymptoms)].sort((x, y) => x - y),
    pastSymptomsOther: f.pastSymptoms.includes(12) ? tr(f.pastSymptomsOther) : '',
    pastLockup: f.pastLockup,
    outpatient: f.outpatient,
    firstAntipsychoticDate: fromIso(f.firstAntipsychoticDate),
    hospitalizations: f.hospitalizations || 0,
    lastTreatmentEffect: f.lastTreatmentEffect,
    pastBehaviour: create(DangerousBehaviourSchema, { ...f.pastBehaviour }),
    economic: f.economic,
    specialistOpinion: f.specialistOpinion.trim(),
    povertyRelief: f.povertyRelief,
    guardianshipSubsidy: f.guardianshipSubsidy,
    disabilityCertificate: f.disabilityCertificate,
    communityRehab: f.communityRehab,
  });
}

/** A comparable snapshot, to tell whether the form has unsaved changes. */
export function formFingerprint(f: PatientForm): string {
  return JSON.stringify(f);
}

/** "1990", "1990-03" or "1990-03-05" of an onset partial date; '' when unknown. */
export function onsetText(p: PartialDate | undefined): string {
  if (!p || !p.year) return '';
  return `${p.year}${p.month ? '-' + String(p.month).padStart(2, '0') : ''}${p.day ? '-' + String(p.day).padStart(2, '0') : ''}`;
}
