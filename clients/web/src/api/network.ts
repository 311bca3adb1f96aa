// The ServiceNetworkService client (proto/smd/v1/network.proto). One module per service, so
// a screen's chunk carries only the generated descriptors it uses (src/api/client.ts).
import { ServiceNetworkService } from '@/gen/smd/v1/network_pb';
import { client } from './client';

export const network = client(ServiceNetworkService);
