// The service network (社会心理服务网络; issue 14 point 5): the registry of service sites by
// region, and the per-year counts of schools, workplaces and care institutions the coverage
// rates divide by. The health committee and administrators edit (network.edit); doctors and
// psychiatrists read (network.read); the server decides (docs/security.md).
import type { RouteRecordRaw } from 'vue-router';
import type { NavItem } from '@/layout/nav';
import { Role } from '@/gen/smd/v1/common_pb';

const readers = [Role.HEALTH_COMMITTEE, Role.ADMIN, Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];

export const routes: RouteRecordRaw[] = [
  {
    path: '/network',
    name: 'network',
    component: () => import('./NetworkView.vue'),
    meta: { title: ['服务网络', 'Service network'], roles: readers },
  },
];

export const nav: NavItem[] = [
  { path: '/network', zh: '服务网络', en: 'Service network', roles: readers, order: 25 },
];
