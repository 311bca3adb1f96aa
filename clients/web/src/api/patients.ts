// The PatientService client. One module per service, so a screen's chunk carries only the
// generated descriptors it uses (src/api/client.ts).
import { PatientService } from '@/gen/smd/v1/patients_pb';
import { client } from './client';

export const patients = client(PatientService);
