import type { RouteRecordRaw } from 'vue-router';
import { Role } from '@/gen/smd/v1/common_pb';

// ListTeam (careteam.read) is open to doctors, psychiatrists, police, grid and community
// workers; adding and ending members (careteam.manage) only to the first two: the page hides
// those controls for the others (docs/api.md CareTeamService).
export const routes: RouteRecordRaw[] = [
  {
    path: '/patients/:id/team',
    name: 'patient-team',
    component: () => import('./TeamView.vue'),
    meta: {
      title: ['关爱帮扶小组', 'Care team'],
      roles: [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST, Role.POLICE, Role.GRID_WORKER, Role.COMMUNITY_WORKER],
    },
  },
];
