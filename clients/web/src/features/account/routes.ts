// The user's own account: change the password (also the forced change the server may
// require before anything else; the router guard sends the user here).
import type { RouteRecordRaw } from 'vue-router';

export const routes: RouteRecordRaw[] = [
  {
    path: '/account/password',
    name: 'account-password',
    component: () => import('./PasswordView.vue'),
    meta: { title: ['修改密码', 'Change password'] },
  },
];
