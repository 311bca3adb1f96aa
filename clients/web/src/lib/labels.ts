// Names of the API's enum values as users read them: Chinese (the forms' own words,
// docs/rules.md) and English. Shared by every screen; a feature's own enums live in its
// folder. label(TABLE, value) returns the name in the current language.
import { t } from '@/i18n';
import { Sex, DiagnosisCategory, PatientStatus } from '@/gen/smd/v1/patients_pb';
import { Classification, RequiredAction, WorklistKind } from '@/gen/smd/v1/followups_pb';
import { TeamRole, AlertKind } from '@/gen/smd/v1/alerts_pb';

export type Labels = Record<number, [string, string]>;

export function label(table: Labels, value: number | undefined): string {
  const l = value === undefined ? undefined : table[value];
  return l ? t(l[0], l[1]) : '';
}

/** [value, text] pairs of a table in its order, for selects and radio groups. */
export function options(table: Labels): { value: number; label: string }[] {
  return Object.entries(table).map(([v, l]) => ({ value: Number(v), label: t(l[0], l[1]) }));
}

export const SEX: Labels = {
  [Sex.MALE]: ['男', 'Male'],
  [Sex.FEMALE]: ['女', 'Female'],
  [Sex.UNKNOWN]: ['未说明', 'Not stated'],
};

/** The six covered disorders (rules.md §1). */
export const DIAGNOSIS: Labels = {
  [DiagnosisCategory.DIAGNOSIS_SCHIZOPHRENIA]: ['精神分裂症', 'Schizophrenia'],
  [DiagnosisCategory.DIAGNOSIS_SCHIZOAFFECTIVE]: ['分裂情感性障碍', 'Schizoaffective disorder'],
  [DiagnosisCategory.DIAGNOSIS_PERSISTENT_DELUSIONAL]: ['偏执性精神病', 'Persistent delusional disorder'],
  [DiagnosisCategory.DIAGNOSIS_BIPOLAR]: ['双相（情感）障碍', 'Bipolar disorder'],
  [DiagnosisCategory.DIAGNOSIS_EPILEPSY_RELATED]: ['癫痫所致精神障碍', 'Mental disorder due to epilepsy'],
  [DiagnosisCategory.DIAGNOSIS_INTELLECTUAL_DISABILITY_RELATED]: ['精神发育迟滞伴发精神障碍', 'Intellectual disability with mental disorder'],
};

export const PATIENT_STATUS: Labels = {
  [PatientStatus.ACTIVE]: ['在册', 'Registered'],
  [PatientStatus.TRANSFER_PENDING]: ['迁出待接收', 'Transfer pending'],
  [PatientStatus.MOVED_OUT]: ['已迁出', 'Moved out'],
  [PatientStatus.DECEASED]: ['死亡', 'Deceased'],
  [PatientStatus.CANCELLED]: ['注销', 'Closed'],
};

/** 本次分类 (rules.md §4). */
export const CLASSIFICATION: Labels = {
  [Classification.UNSTABLE]: ['不稳定', 'Unstable'],
  [Classification.BASICALLY_STABLE]: ['基本稳定', 'Basically stable'],
  [Classification.STABLE]: ['稳定', 'Stable'],
  [Classification.NONE]: ['未分类', 'Not classified'],
};

/** Risk levels 0-5 (危险性评估, rules.md §2), short forms. */
export const RISK_LEVEL: Labels = {
  0: ['0级：无符合1-5级的行为', 'Level 0: none of levels 1-5'],
  1: ['1级：口头威胁、喊叫，但没有打砸行为', 'Level 1: verbal threats or shouting, no smashing'],
  2: ['2级：打砸行为局限在家里，针对财物，能被劝说制止', 'Level 2: smashing at home, property, stops when talked down'],
  3: ['3级：明显打砸行为，不分场合，针对财物，不能接受劝说而停止', 'Level 3: smashing anywhere, property, not stoppable'],
  4: ['4级：持续的打砸行为，不分场合，针对财物或人，不能接受劝说而停止（包括自伤、自杀）', 'Level 4: persistent smashing, property or people, not stoppable (incl. self-harm, suicide)'],
  5: ['5级：持管制性危险武器的针对人的任何暴力行为，或者纵火、爆炸等行为', 'Level 5: violence with a weapon against people, arson or explosion'],
};

export const REQUIRED_ACTION: Labels = {
  [RequiredAction.REFER_NOW]: ['立即转诊', 'Refer now'],
  [RequiredAction.NOTIFY_POLICE]: ['通知公安/综治', 'Notify the police / comprehensive management'],
  [RequiredAction.ASSIGN_CARE_TEAM]: ['落实关爱帮扶小组', 'Assign the care-and-help team'],
  [RequiredAction.EMERGENCY_HANDLING]: ['应急处置', 'Emergency handling'],
  [RequiredAction.TWO_WEEK_REVIEW]: ['2周内复查', 'Review within 2 weeks'],
  [RequiredAction.SPECIALIST_GUIDANCE]: ['请精神专科医生指导', 'Ask a psychiatrist for guidance'],
  [RequiredAction.ADJUST_TREATMENT]: ['查找原因，在规定剂量范围内调整', 'Find the cause; adjust the dose within range'],
  [RequiredAction.HEALTH_EDUCATION]: ['健康教育、康复指导、家属支持', 'Health education, rehabilitation, family support'],
  [RequiredAction.CONTINUE_REGIMEN]: ['维持原治疗方案', 'Continue the regimen'],
};

export const WORKLIST_KIND: Labels = {
  [WorklistKind.WORKLIST_OVERDUE]: ['逾期未随访', 'Overdue'],
  [WorklistKind.WORKLIST_DUE_SOON]: ['近期应随访', 'Due soon'],
  [WorklistKind.WORKLIST_UNSTABLE_NOT_SEEN]: ['不稳定且2周内未随访', 'Unstable, not seen in 2 weeks'],
  [WorklistKind.WORKLIST_DISCHARGED_NOT_SEEN]: ['出院后未随访', 'Discharged, not yet visited'],
  [WorklistKind.WORKLIST_TWO_WEEK_REVIEW]: ['2周复查', '2-week reviews'],
};

/** 关爱帮扶小组 roles. */
export const TEAM_ROLE: Labels = {
  [TeamRole.DOCTOR]: ['精防医生', 'Community doctor'],
  [TeamRole.POLICE]: ['民警', 'Police officer'],
  [TeamRole.GRID_WORKER]: ['网格员', 'Grid worker'],
  [TeamRole.COMMUNITY_WORKER]: ['社区工作者', 'Community worker'],
  [TeamRole.VOLUNTEER]: ['志愿者', 'Volunteer'],
  [TeamRole.GUARDIAN]: ['监护人', 'Guardian'],
  [TeamRole.FAMILY]: ['家属', 'Family member'],
};

export const ALERT_KIND: Labels = {
  [AlertKind.HIGH_RISK]: ['高风险（危险性3级及以上）', 'High risk (level 3 or above)'],
  [AlertKind.BECAME_UNSTABLE]: ['病情不稳定', 'Became unstable'],
  [AlertKind.INCIDENT]: ['肇事肇祸', 'Incident'],
  [AlertKind.MISSING]: ['走失', 'Missing'],
  [AlertKind.EMERGENCY]: ['应急处置', 'Emergency handling'],
  [AlertKind.OVERDUE_UNSTABLE]: ['不稳定患者逾期未随访', 'Unstable patient overdue'],
  [AlertKind.MANUAL]: ['医生手动预警', 'Raised by a doctor'],
  [AlertKind.ESCALATED]: ['逾时未确认，已升级', 'Escalated (not acknowledged in time)'],
};
