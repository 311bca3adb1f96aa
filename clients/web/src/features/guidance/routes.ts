import type { RouteRecordRaw } from 'vue-router';
import { Role } from '@/gen/smd/v1/common_pb';

// GetMedicationGuidance needs followup.read: community doctors and psychiatrists.
export const routes: RouteRecordRaw[] = [
  {
    path: '/patients/:id/guidance',
    name: 'patient-guidance',
    component: () => import('./GuidanceView.vue'),
    meta: { title: ['用药指导', 'Medication guidance'], roles: [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST] },
  },
];
