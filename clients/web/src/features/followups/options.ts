// The follow-up form's options: value (the API's number), key (the digit typed and shown,
// the paper form's code where it has one) and the words of the national form (rules.md §3;
// risk levels §2). Labels of this feature's enums live here, not in src/lib/labels.ts.
import { t } from '@/i18n';
import { Outcome } from './form-model';

export interface Opt {
  value: number;
  key: string;
  zh: string;
  en: string;
}

const o = (value: number, zh: string, en: string, key = String(value)): Opt => ({ value, key, zh, en });

export function optLabel(opts: Opt[], v: number | null | undefined): string {
  const x = opts.find((p) => p.value === v);
  return x ? t(x.zh, x.en) : '';
}

export const OUTCOME: Opt[] = [
  o(Outcome.SEEN, '访到（填写评估）', 'Seen (full assessment)'),
  o(Outcome.FAILED, '失访（未访到）', 'Not reached (失访)'),
  o(Outcome.DIED, '患者死亡', 'Patient died'),
  o(Outcome.IN_HOSPITAL, '目前正在住院（未评估）', 'In hospital (not assessed)'),
];

/** 本次随访形式. */
export const MODE: Opt[] = [o(1, '门诊', 'Clinic'), o(2, '家庭访视', 'Home visit'), o(3, '电话', 'Phone')];

/** 本次随访对象 (2018, multi). */
export const SUBJECTS: Opt[] = [
  o(1, '患者本人', 'The patient'),
  o(2, '患者家属、监护人', 'Family or guardian'),
  o(3, '其他知情人', 'Other informant'),
];

/** 若失访，原因. 4 is also set by the server on the third failure in a row. */
export const LOST_REASON: Opt[] = [
  o(1, '外出打工', 'Working away'),
  o(2, '迁居他处', 'Moved away'),
  o(3, '走失', 'Missing'),
  o(4, '连续3次未访到', 'Not reached 3 times in a row'),
  o(5, '其他', 'Other'),
];

/** 如死亡：原因. */
export const DEATH_CAUSE: Opt[] = [
  o(1, '躯体疾病', 'Physical illness'),
  o(2, '自杀', 'Suicide'),
  o(3, '他杀', 'Homicide'),
  o(4, '意外', 'Accident'),
  o(5, '精神疾病相关并发症', 'Complication of the mental illness'),
  o(6, '其他', 'Other'),
];

/** 危险性评估 0-5 (rules.md §2), in the definitions' words. */
export const RISK: Opt[] = [
  o(0, '0级：无符合以下1-5级中的任何行为', 'Level 0: none of the behaviours of levels 1-5'),
  o(1, '1级：口头威胁，喊叫，但没有打砸行为', 'Level 1: verbal threats or shouting, no smashing or hitting'),
  o(2, '2级：打砸行为，局限在家里，针对财物，能被劝说制止', 'Level 2: smashing at home, aimed at property, stops when talked down'),
  o(3, '3级：明显打砸行为，不分场合，针对财物，不能接受劝说而停止', 'Level 3: obvious smashing in any setting, aimed at property, does not stop'),
  o(4, '4级：持续的打砸行为，不分场合，针对财物或人，不能接受劝说而停止（包括自伤、自杀）', 'Level 4: persistent smashing in any setting, at property or people, not stoppable (incl. self-harm, suicide)'),
  o(5, '5级：持械（管制性危险武器）针对人的任何暴力行为，或者纵火、爆炸等行为，无论在家里还是公共场合', 'Level 5: any violence against people with a weapon, or arson or explosion, at home or in public'),
];

/** The doctor's judgement of symptoms (rules.md §4.1 (d)). */
export const SYMPTOM_SEVERITY: Opt[] = [
  o(1, '基本消失', 'Essentially gone'),
  o(2, '残留（较轻）', 'Residual'),
  o(3, '明显', 'Obvious'),
];

/** 目前症状 (multi). */
export const SYMPTOMS: Opt[] = [
  o(1, '幻觉', 'Hallucinations'),
  o(2, '交流困难', 'Difficulty communicating'),
  o(3, '猜疑', 'Suspiciousness'),
  o(4, '喜怒无常', 'Moodiness'),
  o(5, '行为怪异', 'Odd behaviour'),
  o(6, '兴奋话多', 'Excited, talkative'),
  o(7, '伤人毁物', 'Hurting people or property'),
  o(8, '悲观厌世', 'Pessimism, world-weariness'),
  o(9, '无故外走', 'Wandering off'),
  o(10, '自语自笑', 'Talking or laughing to self'),
  o(11, '孤僻懒散', 'Withdrawn, idle'),
  o(12, '其他', 'Other'),
];

export const INSIGHT: Opt[] = [
  o(1, '自知力完全', 'Complete'),
  o(2, '自知力不全', 'Partial'),
  o(3, '自知力缺失', 'Lacking'),
];

/** 睡眠情况 / 饮食情况 / each 社会功能 item. */
export const GOOD_FAIR_POOR: Opt[] = [o(1, '良好', 'Good'), o(2, '一般', 'Fair'), o(3, '较差', 'Poor')];
export const WORK: Opt[] = [...GOOD_FAIR_POOR, o(9, '此项不适用', 'Not applicable')];

export const SOCIAL_ITEMS: { field: 'selfCare' | 'housework' | 'work' | 'study' | 'social'; path: string; zh: string; en: string }[] = [
  { field: 'selfCare', path: 'social.self_care', zh: '个人生活料理', en: 'Self-care' },
  { field: 'housework', path: 'social.housework', zh: '家务劳动', en: 'Housework' },
  { field: 'work', path: 'social.work', zh: '生产劳动及工作', en: 'Work' },
  { field: 'study', path: 'social.study', zh: '学习能力', en: 'Learning' },
  { field: 'social', path: 'social.social', zh: '社会人际交往', en: 'Social contact' },
];

/** 危险行为 since the last visit, with counts (患病对家庭社会的影响). */
export const BEHAVIOURS: { field: 'minorTrouble' | 'trouble' | 'accident' | 'otherHarm' | 'selfHarm' | 'attemptedSuicide'; path: string; zh: string; en: string }[] = [
  { field: 'minorTrouble', path: 'behaviour.minor_trouble', zh: '轻度滋事', en: 'Minor trouble' },
  { field: 'trouble', path: 'behaviour.trouble', zh: '肇事', en: 'Trouble' },
  { field: 'accident', path: 'behaviour.accident', zh: '肇祸', en: 'Accident' },
  { field: 'otherHarm', path: 'behaviour.other_harm', zh: '其他危害行为', en: 'Other harm' },
  { field: 'selfHarm', path: 'behaviour.self_harm', zh: '自伤', en: 'Self-harm' },
  { field: 'attemptedSuicide', path: 'behaviour.attempted_suicide', zh: '自杀未遂', en: 'Suicide attempt' },
];

/** 两次随访期间关锁情况. */
export const LOCKUP: Opt[] = [o(1, '无关锁', 'Not locked up'), o(2, '关锁', 'Locked up'), o(3, '关锁已解除', 'Lock-up ended')];

/** 两次随访期间住院情况: the paper's codes 0/1/2 are the keys. */
export const HOSPITALIZATION: Opt[] = [
  o(1, '未住院', 'Not admitted', '0'),
  o(2, '目前正在住院', 'In hospital now', '1'),
  o(3, '曾住院，现未住院', 'Was in hospital, now discharged', '2'),
];

/** 实验室检查 and 是否转诊: 1 无/否 · 2 有/是. */
export const LAB: Opt[] = [o(1, '无', 'None'), o(2, '有', 'Done')];
/** 其他异常: 1 无 · 2 有. */
export const PRESENT: Opt[] = [o(1, '无', 'None'), o(2, '有', 'Present')];
export const REFERRAL: Opt[] = [o(1, '否', 'No'), o(2, '是', 'Yes')];

/** 用药依从性. */
export const ADHERENCE: Opt[] = [
  o(1, '按医嘱规律服药', 'Regular, as prescribed'),
  o(2, '间断服药', 'Intermittent'),
  o(3, '不服药', 'Not taking'),
  o(4, '医嘱勿需服药', 'No medication needed'),
];

/** 药物不良反应: the paper's 无/有, with the grade the classification needs (§4.1). */
export const ADR: Opt[] = [o(1, '无', 'None'), o(2, '有，轻度', 'Yes, mild'), o(3, '有，严重', 'Yes, serious')];

/** 躯体疾病 (rules.md §4.1). */
export const PHYSICAL: Opt[] = [
  o(1, '无', 'None'),
  o(2, '有，稳定', 'Present, stable'),
  o(3, '有，加重（非严重）', 'Worsening (not serious)'),
  o(4, '严重躯体疾病', 'Serious'),
];

/** 治疗效果 (optional). */
export const EFFECT: Opt[] = [o(1, '痊愈', 'Cured'), o(2, '好转', 'Improved'), o(3, '无变化', 'Unchanged'), o(4, '加重', 'Worse')];

/** 康复措施 (multi). */
export const REHAB: Opt[] = [
  o(1, '生活劳动能力', 'Daily living and work skills'),
  o(2, '职业训练', 'Vocational training'),
  o(3, '学习能力', 'Learning'),
  o(4, '社会交往', 'Social skills'),
  o(5, '其他', 'Other'),
];

/** 本次随访分类 as the doctor records it, when different from the computed one. */
export const RECORDED_CLASS: Opt[] = [
  o(0, '同系统分类', 'As computed'),
  o(1, '不稳定', 'Unstable'),
  o(2, '基本稳定', 'Basically stable'),
  o(3, '稳定', 'Stable'),
];
