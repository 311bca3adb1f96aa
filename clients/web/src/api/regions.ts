// The RegionService client. One module per service, so a screen's chunk carries only the
// generated descriptors it uses (src/api/client.ts).
import { RegionService } from '@/gen/smd/v1/regions_pb';
import { client } from './client';

export const regions = client(RegionService);
