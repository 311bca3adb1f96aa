// The AdminService client. One module per service, so a screen's chunk carries only the
// generated descriptors it uses (src/api/client.ts).
import { AdminService } from '@/gen/smd/v1/admin_pb';
import { client } from './client';

export const admin = client(AdminService);
