// The page's only way to the server: Connect protocol over HTTPS to the gateway (same
// origin), binary messages, clients made from the generated service descriptors.
//
// Every request carries the CSRF header (docs/web.md "Security model"): a cross-site page
// cannot send a custom header without a CORS preflight, which the gateway never answers.
// The session token is never visible here: the gateway keeps it in an HttpOnly cookie.
// An UNAUTHENTICATED answer (expired or revoked session) goes to onSessionLost, which the
// session store sets to send the user to the login page and back.
import { Code, ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import type { DescService } from '@bufbuild/protobuf';
import { AuthService } from '@/gen/smd/v1/auth_pb';
import { PatientService } from '@/gen/smd/v1/patients_pb';
import { FollowUpService } from '@/gen/smd/v1/followups_pb';
import { CareTeamService, AlertService } from '@/gen/smd/v1/alerts_pb';
import { RegionService } from '@/gen/smd/v1/regions_pb';
import { MetricsService } from '@/gen/smd/v1/metrics_pb';
import { AdminService } from '@/gen/smd/v1/admin_pb';
import { AuditService } from '@/gen/smd/v1/audit_pb';

/** The header the gateway requires on every call (its value is not a secret). */
export const CSRF_HEADER = 'x-smd-csrf';

let onSessionLost: (() => void) | null = null;
/** Set by the session store: called when the server says the session is gone. */
export function setSessionLostHandler(f: () => void): void {
  onSessionLost = f;
}

let onPasswordRequired: (() => void) | null = null;
/**
 * Set by the session store: called when the server refuses a call until the password is
 * changed (FAILED_PRECONDITION "须先修改密码 (password change required)").
 */
export function setPasswordRequiredHandler(f: () => void): void {
  onPasswordRequired = f;
}

const csrf: Interceptor = (next) => async (req) => {
  req.header.set(CSRF_HEADER, '1');
  try {
    return await next(req);
  } catch (e) {
    const login = req.method.name === 'Login' || req.method.name === 'ChangePassword';
    if (!login && e instanceof ConnectError && e.code === Code.Unauthenticated) onSessionLost?.();
    if (e instanceof ConnectError && e.code === Code.FailedPrecondition && e.rawMessage.includes('须先修改密码')) {
      onPasswordRequired?.();
    }
    throw e;
  }
};

export const transport = createConnectTransport({
  baseUrl: typeof location === 'undefined' ? 'https://localhost' : location.origin,
  useBinaryFormat: true,
  interceptors: [csrf],
});

function client<T extends DescService>(s: T): Client<T> {
  return createClient(s, transport);
}

export const auth = client(AuthService);
export const patients = client(PatientService);
export const followups = client(FollowUpService);
export const careTeams = client(CareTeamService);
export const alerts = client(AlertService);
export const regions = client(RegionService);
export const metrics = client(MetricsService);
export const admin = client(AdminService);
export const audit = client(AuditService);

/** A fresh key for a write that may be retried (docs/adr/0009-idempotency-keys.md). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
