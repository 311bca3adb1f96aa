// The doctor's home: worklists (who is overdue, due soon, unstable and not seen, discharged
// and not yet visited, 2-week reviews), sorted by urgency on the server.
import type { RouteRecordRaw } from 'vue-router';
import type { NavItem } from '@/layout/nav';
import { Role } from '@/gen/smd/v1/common_pb';

const clinical = [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];

export const routes: RouteRecordRaw[] = [
  {
    path: '/worklist',
    name: 'worklist',
    component: () => import('./WorklistView.vue'),
    meta: { title: ['工作清单', 'Worklists'], roles: clinical },
  },
];

export const nav: NavItem[] = [
  { path: '/worklist', zh: '工作清单', en: 'Worklists', roles: clinical, order: 1 },
];
