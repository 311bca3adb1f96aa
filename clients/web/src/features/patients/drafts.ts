// Unsaved form drafts kept in memory (never in web storage: they hold patient data) across
// a sign-in after the session expired, for the same user and page. The draft is taken
// when the page leaves for the login page; the user is known again only after sign-in, so
// the owner is remembered from before (lastUser) when sessionLost has already cleared it.
import { useSession } from '@/stores/session';

interface Draft<T> { path: string; userId: string; data: T }
let draft: Draft<unknown> | null = null;
let lastUser = '';

export function keepDraft<T>(path: string, userId: string, data: T): void {
  const owner = userId || lastUser;
  if (!owner) return;
  draft = { path, userId: owner, data: JSON.parse(JSON.stringify(data)) as T };
}

/** The draft for this page and user, once; any other draft is dropped. */
export function takeDraft<T>(path: string, userId: string): T | null {
  lastUser = userId || useSession().user?.userId || lastUser;
  const d = draft;
  draft = null;
  return d && d.path === path && d.userId === userId ? (d.data as T) : null;
}
