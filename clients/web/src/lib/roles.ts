import { Role } from '@/gen/smd/v1/common_pb';
import { t } from '@/i18n';

const NAMES: Record<number, [string, string]> = {
  [Role.COMMUNITY_DOCTOR]: ['精防医生', 'Community doctor'],
  [Role.PSYCHIATRIST]: ['精神科医师', 'Psychiatrist'],
  [Role.POLICE]: ['公安', 'Police'],
  [Role.GRID_WORKER]: ['网格员', 'Grid worker'],
  [Role.COMMUNITY_WORKER]: ['社区工作者', 'Community worker'],
  [Role.HEALTH_COMMITTEE]: ['卫健委', 'Health committee'],
  [Role.AUDITOR]: ['审计员', 'Auditor'],
  [Role.ADMIN]: ['管理员', 'Administrator'],
};

export function roleName(r: Role): string {
  const n = NAMES[r];
  return n ? t(n[0], n[1]) : String(r);
}
