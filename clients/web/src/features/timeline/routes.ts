import type { RouteRecordRaw } from 'vue-router';
import { Role } from '@/gen/smd/v1/common_pb';

// The timeline is clinical (GetTimeline needs followup.read: community doctors and
// psychiatrists, docs/api.md FollowUpService).
export const routes: RouteRecordRaw[] = [
  {
    path: '/patients/:id/timeline',
    name: 'patient-timeline',
    component: () => import('./TimelineView.vue'),
    meta: { title: ['时间线', 'Timeline'], roles: [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST] },
  },
];
