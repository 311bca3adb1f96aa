// The method filter's choices: every RPC path of the API from the generated service
// descriptors (the same list the gateway forwards and the server checks the filter against),
// then the records the server writes by itself (docs/api.md AuditService "Method and outcome
// filters"). Nothing else is accepted: the server answers INVALID_ARGUMENT on "method".
import { ALL_SERVICES } from '@/gen';

export const RPC_METHODS: string[] = ALL_SERVICES
  .flatMap((s) => s.methods.map((m) => `/${s.typeName}/${m.name}`))
  .sort();

export const SERVER_RECORD_METHODS: string[] = [
  'smd-server alert.delivered', 'smd-server alert.escalate', 'smd-server alert.overdue',
  'smd-server alert.reroute', 'smd-server audit-verify', 'smd-server audit.unauthenticated',
  'smd-server bootstrap', 'smd-server cipher.upgrade', 'smd-server keys.reencrypt',
  'smd-server keys.reindex', 'smd-server seed-demo',
];

export const METHODS: string[] = [...RPC_METHODS, ...SERVER_RECORD_METHODS];
