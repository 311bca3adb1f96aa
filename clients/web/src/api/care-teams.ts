// The CareTeamService client. One module per service, so a screen's chunk carries only the
// generated descriptors it uses (src/api/client.ts).
import { CareTeamService } from '@/gen/smd/v1/alerts_pb';
import { client } from './client';

export const careTeams = client(CareTeamService);
