import type { RouteRecordRaw } from 'vue-router';
import { Role } from '@/gen/smd/v1/common_pb';

// The record forms write with followup.record: community doctors and psychiatrists
// (docs/api.md FollowUpService). Roles written inline (see src/router.ts on import cycles).
const clinical = [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];

export const routes: RouteRecordRaw[] = [
  {
    path: '/patients/:id/emergency/new',
    name: 'emergency-new',
    component: () => import('./EmergencyView.vue'),
    meta: { title: ['应急处置记录', 'Emergency record'], roles: clinical },
  },
  {
    path: '/patients/:id/referral/new',
    name: 'referral-new',
    component: () => import('./ReferralView.vue'),
    meta: { title: ['双向转诊', 'Referral'], roles: clinical },
  },
  {
    path: '/patients/:id/discharge/new',
    name: 'discharge-new',
    component: () => import('./DischargeView.vue'),
    meta: { title: ['出院信息单', 'Discharge notice'], roles: clinical },
  },
  {
    path: '/patients/:id/health-check/new',
    name: 'health-check-new',
    component: () => import('./HealthCheckView.vue'),
    meta: { title: ['年度健康体检', 'Annual health check'], roles: clinical },
  },
];
