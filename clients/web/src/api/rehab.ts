// The RehabService client (社区康复 and 心理疏导 records, proto/smd/v1/rehab.proto). One
// module per service, so a screen's chunk carries only the generated descriptors it uses.
import { RehabService } from '@/gen/smd/v1/rehab_pb';
import { client } from './client';

export const rehab = client(RehabService);
