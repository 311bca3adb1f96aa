// Routes. Each screen is its own chunk (dynamic import), so a doctor's first load carries
// only the shell and the worklist. `meta.roles` lists who may open a route (the server
// still decides what they may see); `meta.public` routes need no session.
// Screens live in src/features/<name>/ and bring their routes in routes.ts (collected
// below, so two features never edit the same list).
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { Role } from '@/gen/smd/v1/common_pb';
import { useSession } from '@/stores/session';

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    roles?: Role[];
    /** Title shown in the shell's header and the browser tab: [Chinese, English]. */
    title?: [string, string];
  }
}

const PASSWORD_PATH = '/account/password';

export const CLINICAL: Role[] = [Role.COMMUNITY_DOCTOR, Role.PSYCHIATRIST];

const featureRoutes = Object.values(
  import.meta.glob<{ routes: RouteRecordRaw[] }>('./features/*/routes.ts', { eager: true }),
).flatMap((m) => m.routes);

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { public: true, title: ['登录', 'Sign in'] },
  },
  {
    path: '/',
    name: 'home',
    component: () => import('@/views/HomeView.vue'),
    meta: { title: ['首页', 'Home'] },
  },
  ...featureRoutes,
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { title: ['页面不存在', 'Page not found'] },
  },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to, from) => {
  const session = useSession();
  if (!session.checked) await session.load();
  if (to.meta.public) return true;
  if (!session.signedIn) {
    return { name: 'login', query: { next: to.fullPath, ...(session.expired ? { expired: '1' } : {}) } };
  }
  // The server requires a new password first: nothing else opens until it is changed.
  if (session.mustChangePassword && to.path !== PASSWORD_PATH) {
    return from.path === PASSWORD_PATH ? false : { path: PASSWORD_PATH, query: { next: to.fullPath } };
  }
  if (to.meta.roles && !to.meta.roles.includes(session.role)) return { name: 'home' };
  return true;
});

/** Sends the user to sign in again and back to where they were (session expired). */
export function toLoginAfterExpiry(): void {
  const here = router.currentRoute.value;
  // Before the first navigation has finished (the session died while the page was closed)
  // the guard sends the user to sign in with the page they asked for.
  if (here.meta.public || here.matched.length === 0) return;
  void router.push({ name: 'login', query: { next: here.fullPath, expired: '1' } });
}

/** Sends the user to change the password (the server refuses everything else until then). */
export function toPasswordChange(): void {
  const here = router.currentRoute.value;
  if (here.path === PASSWORD_PATH || here.matched.length === 0) return;
  void router.push({ path: PASSWORD_PATH, query: { next: here.fullPath } });
}
