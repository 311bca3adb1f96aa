// Names of the register's own enums (个人信息补充表, 2018 表7; rules.md §3, §7), Chinese
// as on the paper form, and English. Shared enums (sex, diagnosis, status) are in lib/labels.ts.
import type { Labels } from '@/lib/labels';
import { OutpatientHistory, EconomicStatus, TransferStatus } from '@/gen/smd/v1/patients_pb';
// Follow-up types the register shares (proto/smd/v1/followups.proto since issue 14).
import { LockupStatus, TreatmentEffect } from '@/gen/smd/v1/followups_pb';

/** 既往主要症状 / 目前症状, codes 1..12 (rules.md §3). */
export const SYMPTOM: Labels = {
  1: ['幻觉', 'Hallucinations'],
  2: ['交流困难', 'Difficulty communicating'],
  3: ['猜疑', 'Suspiciousness'],
  4: ['喜怒无常', 'Moodiness'],
  5: ['行为怪异', 'Bizarre behaviour'],
  6: ['兴奋话多', 'Excited, talkative'],
  7: ['伤人毁物', 'Hurting people or damaging property'],
  8: ['悲观厌世', 'Pessimism, world-weariness'],
  9: ['无故外走', 'Wandering off'],
  10: ['自语自笑', 'Talking or laughing to self'],
  11: ['孤僻懒散', 'Withdrawn, idle'],
  12: ['其他', 'Other'],
};

/** 既往关锁情况 (rules.md §7). */
export const LOCKUP: Labels = {
  [LockupStatus.LOCKUP_NONE]: ['无关锁', 'Never locked up'],
  [LockupStatus.LOCKUP_LOCKED]: ['关锁', 'Locked up'],
  [LockupStatus.LOCKUP_RELEASED]: ['关锁已解除', 'Lock-up ended'],
};

/** 既往治疗情况 · 门诊 (rules.md §7). */
export const OUTPATIENT: Labels = {
  [OutpatientHistory.OUTPATIENT_NEVER]: ['未治', 'Never treated'],
  [OutpatientHistory.OUTPATIENT_INTERMITTENT]: ['间断门诊治疗', 'Intermittent outpatient treatment'],
  [OutpatientHistory.OUTPATIENT_CONTINUOUS]: ['连续门诊治疗', 'Continuous outpatient treatment'],
};

/** 最近一次治疗效果 (rules.md §7). */
export const TREATMENT_EFFECT: Labels = {
  [TreatmentEffect.CURED]: ['痊愈', 'Cured'],
  [TreatmentEffect.IMPROVED]: ['好转', 'Improved'],
  [TreatmentEffect.UNCHANGED]: ['无变化', 'Unchanged'],
  [TreatmentEffect.WORSE]: ['加重', 'Worse'],
};

/** 经济状况 (rules.md §7). */
export const ECONOMIC: Labels = {
  [EconomicStatus.ECONOMIC_POOR]: ['贫困', 'Poor'],
  [EconomicStatus.ECONOMIC_NOT_POOR]: ['非贫困', 'Not poor'],
  [EconomicStatus.ECONOMIC_UNKNOWN]: ['不详', 'Unknown'],
};

/** 死亡原因 (rules.md §3), codes 1..6. */
export const DEATH_CAUSE: Labels = {
  1: ['躯体疾病', 'Physical illness'],
  2: ['自杀', 'Suicide'],
  3: ['他杀', 'Homicide'],
  4: ['意外', 'Accident'],
  5: ['精神疾病相关并发症', 'Complication of the mental disorder'],
  6: ['其他', 'Other'],
};

export const TRANSFER_STATUS: Labels = {
  [TransferStatus.PENDING]: ['待接收', 'Pending'],
  [TransferStatus.ACCEPTED]: ['已接收', 'Accepted'],
  [TransferStatus.REFUSED]: ['已拒收', 'Refused'],
  [TransferStatus.COMPLETED_OUTSIDE]: ['已迁出本系统', 'Moved outside the system'],
};

/** 患病对家庭社会的影响 counts, in the form's order (rules.md §7). */
export const BEHAVIOUR_FIELDS: { key: 'minorTrouble' | 'trouble' | 'accident' | 'otherHarm' | 'selfHarm' | 'attemptedSuicide'; field: string; zh: string; en: string }[] = [
  { key: 'minorTrouble', field: 'past_behaviour.minor_trouble', zh: '轻度滋事', en: 'Minor trouble' },
  { key: 'trouble', field: 'past_behaviour.trouble', zh: '肇事', en: 'Trouble (public order)' },
  { key: 'accident', field: 'past_behaviour.accident', zh: '肇祸', en: 'Incident (criminal)' },
  { key: 'otherHarm', field: 'past_behaviour.other_harm', zh: '其他危害行为', en: 'Other harmful behaviour' },
  { key: 'selfHarm', field: 'past_behaviour.self_harm', zh: '自伤', en: 'Self-harm' },
  { key: 'attemptedSuicide', field: 'past_behaviour.attempted_suicide', zh: '自杀未遂', en: 'Attempted suicide' },
];
