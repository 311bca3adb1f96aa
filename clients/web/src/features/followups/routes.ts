// Follow-up entry (表8), its result, the visit history and corrections. Clinical roles only
// (the server refuses the others: police, grid and community workers cannot read visits).
import type { RouteRecordRaw } from 'vue-router';
import { Role } from '@/gen/smd/v1/common_pb';

const roles = [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];

export const routes: RouteRecordRaw[] = [
  {
    path: '/patients/:id/followups/new',
    name: 'followup-new',
    component: () => import('./FollowUpNewView.vue'),
    meta: { title: ['随访录入', 'Follow-up visit'], roles },
  },
  {
    path: '/patients/:id/followups',
    name: 'followup-history',
    component: () => import('./FollowUpHistoryView.vue'),
    meta: { title: ['随访记录', 'Visit history'], roles },
  },
  {
    path: '/patients/:id/followups/:fid/correct',
    name: 'followup-correct',
    component: () => import('./FollowUpCorrectView.vue'),
    meta: { title: ['更正随访记录', 'Correct a visit'], roles },
  },
];
