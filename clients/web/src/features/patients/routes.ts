// The patient register: search, the record (表7, read-only, with the actions of other
// features), registration and update, transfers out and in, closing a record.
import type { RouteRecordRaw } from 'vue-router';
import type { NavItem } from '@/layout/nav';
import { Role } from '@/gen/smd/v1/common_pb';

const clinical = [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];

export const routes: RouteRecordRaw[] = [
  {
    path: '/patients',
    name: 'patient-search',
    component: () => import('./PatientSearchView.vue'),
    meta: { title: ['患者查询', 'Patients'], roles: clinical },
  },
  {
    path: '/patients/new',
    name: 'patient-new',
    component: () => import('./PatientFormView.vue'),
    meta: { title: ['患者登记（表7）', 'Register a patient (form 7)'], roles: clinical },
  },
  {
    path: '/patients/:id',
    name: 'patient-record',
    component: () => import('./PatientRecordView.vue'),
    meta: { title: ['患者档案', 'Patient record'], roles: clinical },
  },
  {
    path: '/patients/:id/edit',
    name: 'patient-edit',
    component: () => import('./PatientFormView.vue'),
    meta: { title: ['修改患者信息', 'Edit patient'], roles: clinical },
  },
  {
    path: '/transfers',
    name: 'transfers',
    component: () => import('./TransfersView.vue'),
    meta: { title: ['迁入迁出', 'Transfers'], roles: clinical },
  },
];

export const nav: NavItem[] = [
  { path: '/patients', zh: '患者', en: 'Patients', roles: clinical, order: 2 },
  { path: '/transfers', zh: '迁入迁出', en: 'Transfers', roles: clinical, order: 8 },
];
