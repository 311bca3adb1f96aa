import type { RouteRecordRaw } from 'vue-router';
import { Role } from '@/gen/smd/v1/common_pb';

// RehabService writes with followup.record: community doctors and psychiatrists (docs/api.md
// RehabService). Roles written inline (see src/router.ts on import cycles).
const clinical = [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];

export const routes: RouteRecordRaw[] = [
  {
    path: '/patients/:id/rehab/new',
    name: 'rehab-new',
    component: () => import('./RehabSessionView.vue'),
    meta: { title: ['社区康复记录', 'Community rehabilitation'], roles: clinical },
  },
  {
    path: '/patients/:id/psych-support/new',
    name: 'psych-support-new',
    component: () => import('./PsychSupportView.vue'),
    meta: { title: ['心理疏导记录', 'Psychological support'], roles: clinical },
  },
];
