// The audit list's filters, as the server takes them (audit.proto ListAuditRecordsRequest;
// docs/api.md AuditService): the user box holds a user id (UUID) or a user name, each sent as
// its own server filter; method and outcome are server filters too. Nothing is matched in the
// page, so every page the server sends is complete. Pure; unit-tested.
import type { ListAuditRecordsRequest } from '@/gen/smd/v1/audit_pb';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The outcome filter for every outcome but OK (audit.proto `outcome`). */
export const NOT_OK = 'NOT_OK';

/** The outcomes audit records carry: OK and the gRPC status code names, as the server writes them. */
export const OUTCOMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND',
  'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED',
  'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

export interface FilterForm {
  user: string;
  patientId: string;
  method: string | undefined;
  outcome: string | undefined;
  range: [Date, Date] | null;
}

/** The request's filter fields for a form (a cleared el-select holds undefined). */
export function requestFilters(f: FilterForm): Pick<ListAuditRecordsRequest, 'userId' | 'username' | 'patientId' | 'method' | 'outcome'> & { from: Date | null; to: Date | null } {
  const user = (f.user ?? '').trim();
  const isId = UUID_RE.test(user.toLowerCase());
  return {
    userId: isId ? user.toLowerCase() : '',
    username: isId ? '' : user,
    patientId: (f.patientId ?? '').trim().toLowerCase(),
    method: f.method ?? '',
    outcome: f.outcome ?? '',
    from: f.range?.[0] ?? null,
    to: f.range?.[1] ?? null,
  };
}

/** "/smd.v1.AdminService/CreateUser" -> ["AdminService", "CreateUser"]. */
export function splitMethod(m: string): [string, string] {
  const x = /^\/smd\.v1\.([^/]+)\/(.+)$/.exec(m);
  return x ? [x[1], x[2]] : ['', m];
}
