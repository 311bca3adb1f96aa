// Administration (issue 13 item 4): users, the region tree with resident populations, the
// drug catalogue (read-only) and the rule set. Who may do what is the server's (docs/api.md
// AdminService, RegionService; docs/security.md "Actions by role"): admins manage users and
// regions and read the rule set (rules.read); the drug catalogue (drugs.read) is the admins'
// and the prescribers' (community doctors, psychiatrists).
import type { RouteRecordRaw } from 'vue-router';
import type { NavItem } from '@/layout/nav';
import { Role } from '@/gen/smd/v1/common_pb';

const admin = [Role.ADMIN];
const catalogue = [Role.ADMIN, Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];

export const routes: RouteRecordRaw[] = [
  {
    path: '/admin/users',
    name: 'admin-users',
    component: () => import('./UsersView.vue'),
    meta: { title: ['用户管理', 'Users'], roles: admin },
  },
  {
    path: '/admin/regions',
    name: 'admin-regions',
    component: () => import('./RegionsView.vue'),
    meta: { title: ['行政区划与常住人口', 'Regions and resident population'], roles: admin },
  },
  {
    path: '/admin/drugs',
    name: 'admin-drugs',
    component: () => import('./DrugsView.vue'),
    meta: { title: ['药品目录', 'Drug catalogue'], roles: catalogue },
  },
  {
    path: '/admin/rules',
    name: 'admin-rules',
    component: () => import('./RulesView.vue'),
    meta: { title: ['规则集', 'Rule set'], roles: admin },
  },
];

export const nav: NavItem[] = [
  { path: '/admin/users', zh: '用户管理', en: 'Users', roles: admin, order: 80 },
  { path: '/admin/regions', zh: '行政区划', en: 'Regions', roles: admin, order: 81 },
  { path: '/admin/drugs', zh: '药品目录', en: 'Drug catalogue', roles: catalogue, order: 82 },
  { path: '/admin/rules', zh: '规则集', en: 'Rule set', roles: admin, order: 83 },
];
