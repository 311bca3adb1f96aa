// The audit trail for auditors (issue 13 item 4): the records with filters and "verify the
// chain" (audit.proto; docs/api.md AuditService: role auditor only).
import type { RouteRecordRaw } from 'vue-router';
import type { NavItem } from '@/layout/nav';
import { Role } from '@/gen/smd/v1/common_pb';

const auditor = [Role.AUDITOR];

export const routes: RouteRecordRaw[] = [
  {
    path: '/audit',
    name: 'audit',
    component: () => import('./AuditView.vue'),
    meta: { title: ['审计日志', 'Audit trail'], roles: auditor },
  },
];

export const nav: NavItem[] = [
  { path: '/audit', zh: '审计日志', en: 'Audit trail', roles: auditor, order: 80 },
];
