// The rehabilitation forms' requests (src/features/rehab/rehab.ts) and their timeline kinds.
import { describe, expect, it } from 'vitest';
import { RehabActivity, SupportMethod, SupportRecipients } from '@/gen/smd/v1/rehab_pb';
import { emptySession, emptySupport, sessionRequest, supportRequest, REHAB_ACTIVITY } from '@/features/rehab/rehab';
import { kindStyle } from '@/features/timeline/timeline';

describe('rehab session request', () => {
  it('sends the date, the activity, trimmed texts and 0 for no duration', () => {
    const m = { ...emptySession('2025-03-04'), place: ' 宁海路街道阳光心园 ', runBy: ' 社工 ' };
    const r = sessionRequest('p1', m);
    expect(r.patientId).toBe('p1');
    expect(r.sessionDate).toMatchObject({ year: 2025, month: 3, day: 4 });
    expect(r.activity).toBe(RehabActivity.SUNSHINE_GARDEN);
    expect(r.place).toBe('宁海路街道阳光心园');
    expect(r.runBy).toBe('社工');
    expect(r.durationMinutes).toBe(0);
    expect(sessionRequest('p1', { ...m, durationMinutes: 90 }).durationMinutes).toBe(90);
  });
  it('names every activity', () => {
    expect(Object.keys(REHAB_ACTIVITY)).toHaveLength(7);
  });
});

describe('psychological support request', () => {
  it('starts with no recipients chosen, so the doctor must say who', () => {
    expect(emptySupport('2025-01-01').recipients).toBe(SupportRecipients.UNSPECIFIED);
  });
  it('sends family members only when the family received the support', () => {
    const m = { ...emptySupport('2025-05-06'), recipients: SupportRecipients.FAMILY, familyMembers: ' 母亲 ',
      method: SupportMethod.PHONE };
    expect(supportRequest('p1', m).familyMembers).toBe('母亲');
    expect(supportRequest('p1', { ...m, recipients: SupportRecipients.BOTH }).familyMembers).toBe('母亲');
    expect(supportRequest('p1', { ...m, recipients: SupportRecipients.PATIENT }).familyMembers).toBe('');
    expect(supportRequest('p1', m).method).toBe(SupportMethod.PHONE);
  });
});

describe('timeline kinds', () => {
  it('has its own look for both records', () => {
    expect(kindStyle('rehab_session').zh).toBe('社区康复');
    expect(kindStyle('psych_support').zh).toBe('心理疏导');
  });
});
