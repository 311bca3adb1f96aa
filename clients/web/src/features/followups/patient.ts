// The patient a follow-up screen is about (GetPatient), for the banner and the result page.
import { ref } from 'vue';
import { patients } from '@/api/client';
import { errorText } from '@/api/errors';
import type { Patient } from '@/gen/smd/v1/patients_pb';

export function usePatient() {
  const patient = ref<Patient | null>(null);
  const error = ref('');
  async function load(id: string): Promise<Patient | null> {
    error.value = '';
    try {
      patient.value = await patients.getPatient({ patientId: id });
    } catch (e) {
      error.value = errorText(e);
      patient.value = null;
    }
    return patient.value;
  }
  return { patient, error, load };
}
