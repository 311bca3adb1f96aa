// Who is signed in. The token itself never reaches the page (HttpOnly cookie set by the
// gateway); the page knows only the user the server returned. `expired` is set when a call
// is answered UNAUTHENTICATED: the router then sends the user to /login with the page they
// were on, and shows "会话已过期，请重新登录".
import { defineStore } from 'pinia';
import { ref, computed } from 'vue';
import { create } from '@bufbuild/protobuf';
import { auth, setSessionLostHandler, setPasswordRequiredHandler } from '@/api/client';
import { Role } from '@/gen/smd/v1/common_pb';
import { LoginRequestSchema, type WhoAmIResponse } from '@/gen/smd/v1/auth_pb';

export type { WhoAmIResponse };

export const useSession = defineStore('session', () => {
  const user = ref<WhoAmIResponse | null>(null);
  /** The session ended on the server (idle or absolute expiry, revoked). */
  const expired = ref(false);
  /** WhoAmI has been asked once since the page loaded. */
  const checked = ref(false);
  /**
   * The server requires a new password before anything else (WhoAmIResponse
   * must_change_password, or a FAILED_PRECONDITION "须先修改密码" from any call): the router
   * then allows only /account/password until it is changed or the user signs out.
   */
  const mustChangePassword = ref(false);

  const signedIn = computed(() => user.value !== null);
  const role = computed(() => user.value?.role ?? Role.UNSPECIFIED);

  let loading: Promise<void> | null = null;
  /**
   * Asks the server who we are (the cookie, if any, goes with the call). Without the
   * gateway's signed-in marker there is no session to ask about: no call, no 401 to log.
   */
  function load(): Promise<void> {
    if (!hasSessionMarker()) {
      user.value = null;
      checked.value = true;
      return Promise.resolve();
    }
    loading ??= auth
      .whoAmI({})
      .then((u) => { user.value = u; mustChangePassword.value = flaggedForChange(u); })
      .catch(() => { user.value = null; })
      .finally(() => { checked.value = true; loading = null; });
    return loading;
  }

  async function login(username: string, password: string): Promise<WhoAmIResponse> {
    const res = await auth.login(create(LoginRequestSchema, { username, password }));
    user.value = res.user ?? null;
    expired.value = false;
    mustChangePassword.value = flaggedForChange(res.user);
    // Login's user may come without the jurisdiction's name; WhoAmI has it (the header shows it).
    if (res.user && !res.user.jurisdictionName) {
      void auth.whoAmI({}).then((u) => {
        if (user.value?.userId === u.userId) user.value = { ...user.value, jurisdictionName: u.jurisdictionName };
      }).catch(() => undefined);
    }
    checked.value = true;
    return res.user!;
  }

  async function logout(): Promise<void> {
    try {
      await auth.logout({});
    } finally {
      user.value = null;
      expired.value = false;
      mustChangePassword.value = false;
    }
  }

  /**
   * The server ended the session. It counts as expired (message on the login page) when
   * the user was signed in, or when the gateway's marker says a session existed (a reload
   * after the session died on the server).
   */
  function sessionLost(): void {
    if (user.value !== null || hasSessionMarker()) expired.value = true;
    user.value = null;
    mustChangePassword.value = false;
  }

  function passwordChanged(): void {
    mustChangePassword.value = false;
  }

  setPasswordRequiredHandler(() => {
    if (mustChangePassword.value) return;
    mustChangePassword.value = true;
    // The router imports this store; a dynamic import avoids the cycle at load time.
    void import('@/router').then(({ toPasswordChange }) => toPasswordChange());
  });

  return {
    user, expired, checked, signedIn, role, mustChangePassword,
    load, login, logout, sessionLost, passwordChanged,
  };
});

/**
 * WhoAmIResponse.must_change_password (auth.proto field 7, added on the server side later):
 * read by name so this compiles before the generated type has it.
 */
export function flaggedForChange(u: WhoAmIResponse | null | undefined): boolean {
  return (u as { mustChangePassword?: boolean } | null | undefined)?.mustChangePassword === true;
}

/**
 * The gateway sets `smd_signed_in=1` (readable, not a secret) beside the HttpOnly session
 * cookie and clears both at Logout (gateway/src/session.ts).
 */
export function hasSessionMarker(): boolean {
  return typeof document !== 'undefined' && /(?:^|;\s*)smd_signed_in=1(?:;|$)/.test(document.cookie);
}

/** Wires the API's UNAUTHENTICATED handler to the store; called once at start. */
export function watchSessionLoss(onLost: () => void): void {
  setSessionLostHandler(onLost);
}
