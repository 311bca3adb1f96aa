// The alert desk's own enum names (src/lib/labels.ts has ALERT_KIND).
import { AlertAudience, RecipientReason } from '@/gen/smd/v1/alerts_pb';
import type { Labels } from '@/lib/labels';

/** AlertMessage.severity: 1 notice, 2 warning, 3 high, 4 critical (alerts.proto). */
export const SEVERITY: Labels = {
  1: ['提示', 'Notice'],
  2: ['警告', 'Warning'],
  3: ['高', 'High'],
  4: ['紧急', 'Critical'],
};

/** Element Plus tag types by severity. */
export const SEVERITY_TAG: Record<number, 'info' | 'warning' | 'danger' | 'primary'> = {
  1: 'info', 2: 'primary', 3: 'warning', 4: 'danger',
};

export const AUDIENCE: Labels = {
  [AlertAudience.FULL]: ['公安、综治及帮扶小组', 'Police, grid and care team'],
  [AlertAudience.CLINICAL]: ['医疗', 'Clinical'],
};

export const REASON: Labels = {
  [RecipientReason.CARE_TEAM]: ['帮扶小组成员', 'Care-team member'],
  [RecipientReason.JURISDICTION]: ['辖区负责', 'Responsible for the area'],
  [RecipientReason.ESCALATION]: ['逾时升级转来', 'Escalated to you'],
  [RecipientReason.DUTY]: ['值班角色', 'Duty role'],
  [RecipientReason.REROUTED]: ['转交', 'Handed on'],
};
