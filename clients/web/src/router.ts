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

router.beforeEach(async (to) => {
  const session = useSession();
  if (!session.checked) await session.load();
  if (to.meta.public) return true;
  if (!session.signedIn) {
    return { name: 'login', query: { next: to.fullPath } };
  }
  if (to.meta.roles && !to.meta.roles.includes(session.role)) return { name: 'home' };
  return true;
});

/** Sends the user to sign in again and back to where they were (session expired). */
export function toLoginAfterExpiry(): void {
  const here = router.currentRoute.value;
  if (here.meta.public) return;
  void router.push({ name: 'login', query: { next: here.fullPath, expired: '1' } });
}
