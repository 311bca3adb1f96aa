// The shell's navigation: one entry per screen, shown to the roles that use it. Features
// bring their entries in src/features/<name>/routes.ts (`export const nav`), ordered by
// `order` (smaller first).
import { Role } from '@/gen/smd/v1/common_pb';

export interface NavItem {
  path: string;
  zh: string;
  en: string;
  roles?: Role[];
  order?: number;
}

const featureNav = Object.values(
  import.meta.glob<{ nav?: NavItem[] }>('../features/*/routes.ts', { eager: true }),
).flatMap((m) => m.nav ?? []);

export const NAV: NavItem[] = [{ path: '/', zh: '首页', en: 'Home', order: 0 }, ...featureNav]
  .sort((a, b) => (a.order ?? 50) - (b.order ?? 50));

export function navFor(role: Role): NavItem[] {
  return NAV.filter((n) => !n.roles || n.roles.includes(role));
}
