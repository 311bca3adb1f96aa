// Care-team coverage (关爱帮扶小组覆盖): the patients who need a team (不稳定 or risk >= 3) and
// lack a doctor, a police officer or a grid worker (CareTeamService.ListTeamGaps,
// careteam.manage: doctors and psychiatrists), each with the way to assign the missing members.
import type { RouteRecordRaw } from 'vue-router';
import type { NavItem } from '@/layout/nav';
import { Role } from '@/gen/smd/v1/common_pb';

const managers = [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];

export const routes: RouteRecordRaw[] = [
  {
    path: '/team-gaps',
    name: 'team-gaps',
    component: () => import('./TeamGapsView.vue'),
    meta: { title: ['帮扶小组缺口', 'Care-team gaps'], roles: managers },
  },
];

export const nav: NavItem[] = [
  { path: '/team-gaps', zh: '小组缺口', en: 'Team gaps', roles: managers, order: 3 },
];
