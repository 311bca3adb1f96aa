// The AlertService client. One module per service, so a screen's chunk carries only the
// generated descriptors it uses (src/api/client.ts).
import { AlertService } from '@/gen/smd/v1/alerts_pb';
import { client } from './client';

export const alerts = client(AlertService);
