import type { RouteRecordRaw } from 'vue-router';
import { Role } from '@/gen/smd/v1/common_pb';
import type { NavItem } from '@/layout/nav';

// Every role the server routes alerts to (docs/api.md "Who receives what"): police and grid
// workers (full audience), the care team's doctors and community workers, and the doctors
// and psychiatrists who get escalations or duty copies. The health committee, auditors and
// administrators never receive alerts, so they get no desk.
const RECEIVERS = [Role.POLICE, Role.GRID_WORKER, Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST, Role.COMMUNITY_WORKER];

export const routes: RouteRecordRaw[] = [
  {
    path: '/alerts',
    name: 'alerts',
    component: () => import('./DeskView.vue'),
    meta: { title: ['预警工作台', 'Alert desk'], roles: RECEIVERS },
  },
  {
    path: '/alerts/:seq(\\d+)',
    name: 'alert',
    component: () => import('./AlertView.vue'),
    meta: { title: ['预警详情', 'Alert'], roles: RECEIVERS },
  },
];

export const nav: NavItem[] = [
  { path: '/alerts', zh: '预警工作台', en: 'Alert desk', roles: RECEIVERS, order: 5 },
];
