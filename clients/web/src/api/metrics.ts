// The MetricsService client. One module per service, so a screen's chunk carries only the
// generated descriptors it uses (src/api/client.ts).
import { MetricsService } from '@/gen/smd/v1/metrics_pb';
import { client } from './client';

export const metrics = client(MetricsService);
