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
];

export const nav: NavItem[] = [
  { path: '/dashboard', zh: '管理指标', en: 'Indicators', roles: readers, order: 20 },
];
