// Names of the records' own codes (表12 triggers, 表10 referral status, health-check results,
// timeline kinds), Chinese first as on the paper forms; shown with label()/options() from
// src/lib/labels.ts.
import type { Labels } from '@/lib/labels';
import { ReferralStatus, CheckResult } from '@/gen/smd/v1/followups_pb';

/** 应急处置原因, rules.md §6 triggers (RecordEmergencyRequest.trigger 1..4). */
export const EMERGENCY_TRIGGER: Labels = {
  1: ['伤害自身或有伤害自身的危险', 'Harms self, or is at risk of doing so'],
  2: ['危害公共安全或他人安全，或有危害的危险', 'Endangers public safety or others, or is at risk of doing so'],
  3: ['病情复发、精神状况明显恶化', 'Relapse with a marked worsening of mental state'],
  4: ['与精神疾病药物相关的急性不良反应', 'Acute adverse reaction to psychiatric drugs'],
};

/** 双向转诊 status (docs/api.md "Referral status"). */
export const REFERRAL_STATUS: Labels = {
  [ReferralStatus.REQUESTED]: ['已申请', 'Requested'],
  [ReferralStatus.ACCEPTED]: ['已接收', 'Accepted'],
  [ReferralStatus.ADMITTED]: ['已住院', 'Admitted'],
  [ReferralStatus.RETURNED]: ['已转回社区', 'Returned to the community'],
  [ReferralStatus.REFUSED]: ['已拒绝', 'Refused'],
};

/**
 * The steps the server allows (docs/api.md "Referral status"): REQUESTED -> ACCEPTED |
 * REFUSED; ACCEPTED -> ADMITTED | RETURNED; ADMITTED -> RETURNED. Offered in the update form
 * only for speed: the server decides. An unknown current status offers every status.
 */
export function nextReferralStatuses(current: number | undefined): ReferralStatus[] {
  switch (current) {
    case ReferralStatus.REQUESTED:
      return [ReferralStatus.ACCEPTED, ReferralStatus.REFUSED];
    case ReferralStatus.ACCEPTED:
      return [ReferralStatus.ADMITTED, ReferralStatus.RETURNED];
    case ReferralStatus.ADMITTED:
      return [ReferralStatus.RETURNED];
    case ReferralStatus.RETURNED:
    case ReferralStatus.REFUSED:
      return [];
    default:
      return [ReferralStatus.ACCEPTED, ReferralStatus.ADMITTED, ReferralStatus.RETURNED, ReferralStatus.REFUSED];
  }
}

export const CHECK_RESULT: Labels = {
  [CheckResult.NOT_DONE]: ['未做', 'Not done'],
  [CheckResult.NORMAL]: ['正常', 'Normal'],
  [CheckResult.ABNORMAL]: ['异常', 'Abnormal'],
};

/** 失访原因 codes as the timeline gives them ("reason N"), rules.md §3. */
export const LOST_REASON: Labels = {
  1: ['外出打工', 'Working away'],
  2: ['迁居他处', 'Moved away'],
  3: ['走失', 'Missing'],
  4: ['连续3次未访到', 'Three failed visits in a row'],
  5: ['其他', 'Other'],
};
