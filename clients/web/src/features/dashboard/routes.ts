// The health committee's dashboard (卫健委, issue 13 item 2): every indicator of
// docs/metrics.md for a region and period, the child regions side by side, the trend by month,
// XLSX/CSV export and a printable monthly report. metrics.read is granted to community
// doctors, psychiatrists and the health committee (docs/security.md), so all three see it;
// the drill-down to patients is the server's decision (ListMetricPatients refuses the
// committee).
import type { RouteRecordRaw } from 'vue-router';
import type { NavItem } from '@/layout/nav';
import { Role } from '@/gen/smd/v1/common_pb';

const readers = [Role.HEALTH_COMMITTEE, Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];

export const routes: RouteRecordRaw[] = [
  {
    path: '/dashboard',
    name: 'dashboard',
    component: () => import('./DashboardView.vue'),
    meta: { title: ['管理指标', 'Management indicators'], roles: readers },
  },
  {
    // Care-team coverage (item 3): ListTeamGaps needs careteam.manage.
    path: '/team-gaps',
    name: 'team-gaps',
    component: () => import('./TeamGapsView.vue'),
    meta: { title: ['关爱帮扶小组缺口', 'Care-team gaps'], roles: [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST] },
  },
];

export const nav: NavItem[] = [
  { path: '/dashboard', zh: '管理指标', en: 'Indicators', roles: readers, order: 20 },
  { path: '/team-gaps', zh: '小组缺口', en: 'Team gaps', roles: [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST], order: 21 },
];
