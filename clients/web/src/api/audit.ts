// The AuditService client. One module per service, so a screen's chunk carries only the
// generated descriptors it uses (src/api/client.ts).
import { AuditService } from '@/gen/smd/v1/audit_pb';
import { client } from './client';

export const audit = client(AuditService);
