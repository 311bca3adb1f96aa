// The audit list's filters. The server filters by user id, patient id and time
// (ListAuditRecordsRequest); method, outcome and a user name are matched here, on the records
// read, page by page (audit.proto has no such filters). Pure; unit-tested.
import type { AuditRecord } from '@/gen/smd/v1/audit_pb';

export interface ClientFilter {
  /** A user name (exact), when the user box holds a name rather than a user id. */
  username: string;
  /** "/smd.v1.AdminService/CreateUser", or a service ("AdminService"), or part of a name. */
  method: string;
  /** "" any; "OK"; "FAIL" any failure; or a status code name. */
  outcome: string;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function matches(r: AuditRecord, f: ClientFilter): boolean {
  if (f.username && r.username !== f.username) return false;
  const m = (f.method ?? '').trim();
  if (m) {
    if (m.startsWith('/') ? r.method !== m : !r.method.toLowerCase().includes(m.toLowerCase())) return false;
  }
  if (f.outcome === 'FAIL') return r.outcome !== 'OK';
  if (f.outcome && r.outcome !== f.outcome) return false;
  return true;
}

export function hasClientFilter(f: ClientFilter): boolean {
  return !!(f.username || (f.method ?? '').trim() || f.outcome);
}

/** gRPC status code names as the server writes them in `outcome` (audit.proto). */
export const OUTCOMES = [
  'OK', 'INVALID_ARGUMENT', 'PERMISSION_DENIED', 'UNAUTHENTICATED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'FAILED_PRECONDITION', 'ABORTED', 'RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED',
  'CANCELLED', 'INTERNAL', 'UNKNOWN',
];

/** "/smd.v1.AdminService/CreateUser" -> ["AdminService", "CreateUser"]. */
export function splitMethod(m: string): [string, string] {
  const x = /^\/smd\.v1\.([^/]+)\/(.+)$/.exec(m);
  return x ? [x[1], x[2]] : ['', m];
}
