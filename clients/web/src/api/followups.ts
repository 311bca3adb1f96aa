// The FollowUpService client. One module per service, so a screen's chunk carries only the
// generated descriptors it uses (src/api/client.ts).
import { FollowUpService } from '@/gen/smd/v1/followups_pb';
import { client } from './client';

export const followups = client(FollowUpService);
