// Pure helpers of the service-network page: the enum labels (proto/smd/v1/network.proto) and
// a site's kind-specific facts in one line. Unit-tested in tests/unit/network.test.ts.
import {
  SiteKind, SiteStatus, SchoolLevel, WorkplaceType, WorkplaceServiceMode, CareInstitutionType,
  NetworkCountKind, type ServiceSite,
} from '@/gen/smd/v1/network_pb';
import type { Labels } from '@/lib/labels';

export const SITE_KIND: Labels = {
  [SiteKind.COUNSELLING_ROOM]: ['心理咨询室/社会工作室', 'Counselling / social-work room'],
  [SiteKind.SCHOOL_ROOM]: ['学校心理辅导室', 'School counselling room'],
  [SiteKind.WORKPLACE]: ['机关企事业单位心理服务', 'Workplace service'],
  [SiteKind.CARE_INSTITUTION]: ['养老院等机构心理服务', 'Care institution service'],
  [SiteKind.MANAGEMENT_GROUP]: ['精神卫生综合管理小组', 'Mental-health management group'],
  [SiteKind.CRISIS_TEAM]: ['心理危机干预队伍', 'Crisis-intervention team'],
  [SiteKind.HOTLINE]: ['心理援助热线', 'Assistance hotline'],
};

export const SITE_STATUS: Labels = {
  [SiteStatus.ACTIVE]: ['运行', 'Active'],
  [SiteStatus.SUSPENDED]: ['暂停', 'Suspended'],
  [SiteStatus.CLOSED]: ['撤销', 'Closed'],
  [SiteStatus.PLANNED]: ['未开放', 'Not yet open'],
};

export const SCHOOL_LEVEL: Labels = {
  [SchoolLevel.PRIMARY]: ['小学', 'Primary'],
  [SchoolLevel.SECONDARY]: ['中学', 'Secondary'],
  [SchoolLevel.PRIMARY_SECONDARY]: ['九年/十二年一贯制', 'Through-train'],
  [SchoolLevel.UNIVERSITY]: ['高等院校', 'University'],
  [SchoolLevel.PRESCHOOL]: ['学前教育机构', 'Preschool'],
  [SchoolLevel.SPECIAL]: ['特殊教育学校', 'Special education'],
};

export const WORKPLACE_TYPE: Labels = {
  [WorkplaceType.AGENCY]: ['党政机关', 'Party/government agency'],
  [WorkplaceType.INSTITUTION]: ['事业单位', 'Public institution'],
  [WorkplaceType.ENTERPRISE]: ['企业', 'Enterprise'],
  [WorkplaceType.NEW_ECONOMY]: ['新经济组织', 'New-economy organisation'],
};

export const WORKPLACE_MODE: Labels = {
  [WorkplaceServiceMode.OWN_ROOM]: ['自设心理咨询室', 'Own room'],
  [WorkplaceServiceMode.PURCHASED]: ['购买服务', 'Purchased service'],
};

export const CARE_TYPE: Labels = {
  [CareInstitutionType.ELDERLY_HOME]: ['养老院', 'Elderly home'],
  [CareInstitutionType.DISABILITY_WELFARE]: ['残疾人福利院', 'Disability welfare home'],
  [CareInstitutionType.DISABLED_HOME]: ['残疾人之家（托养机构）', 'Home for the disabled'],
  [CareInstitutionType.REHABILITATION]: ['康复机构', 'Rehabilitation centre'],
};

export const COUNT_KIND: Labels = {
  [NetworkCountKind.PRIMARY_SECONDARY_SCHOOLS]: ['中小学校', 'Primary and secondary schools'],
  [NetworkCountKind.UNIVERSITIES]: ['高等院校', 'Universities'],
  [NetworkCountKind.WORKPLACES]: ['党政机关、企事业单位', 'Agencies and enterprises'],
  [NetworkCountKind.CARE_INSTITUTIONS]: ['养老院、福利院、康复机构', 'Care institutions'],
};

/** Whether a university meets the plan's 1 full-time teacher per 4,000 students. */
export function meetsRatio(fullTime: number, students: number): boolean {
  return fullTime > 0 && fullTime * 4000 >= students;
}

/** The kind-specific facts of a site in one line (Chinese or English by `zh`). */
export function factsText(s: ServiceSite, zh: boolean): string {
  const pick = (l: Labels, k: number) => (l[k] ? l[k][zh ? 0 : 1] : '');
  if (s.kind === SiteKind.SCHOOL_ROOM && s.school) {
    const sc = s.school;
    const parts = [pick(SCHOOL_LEVEL, sc.level),
      zh ? `专职${sc.fullTimeTeachers}人 兼职${sc.partTimeTeachers}人` : `${sc.fullTimeTeachers} full-time, ${sc.partTimeTeachers} part-time`];
    if (sc.level === SchoolLevel.UNIVERSITY) {
      parts.push(zh ? `在校生${sc.students}人` : `${sc.students} students`);
      parts.push(meetsRatio(sc.fullTimeTeachers, sc.students) ? (zh ? '师生比达标' : 'ratio met') : (zh ? '师生比未达1:4000' : 'below 1:4000'));
    }
    return parts.join(' · ');
  }
  if (s.kind === SiteKind.WORKPLACE && s.workplace) {
    return `${pick(WORKPLACE_TYPE, s.workplace.type)} · ${pick(WORKPLACE_MODE, s.workplace.mode)}`;
  }
  if (s.kind === SiteKind.CARE_INSTITUTION && s.care) return pick(CARE_TYPE, s.care.type);
  return s.phone;
}
