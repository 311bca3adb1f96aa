// The frame every record form (emergency, referral, discharge, health check) shares: the
// model, the server's errors at their fields (cleared when the field is edited), the
// unsaved-changes guard, one idempotency key per record (a retried save records it once,
// docs/adr/0009), the saved answer, and "record another".
import { computed, ref, type Ref } from 'vue';
import { useRoute } from 'vue-router';
import { idempotencyKey } from '@/api/client';
import { useClearErrorOnEdit, useFormErrors } from '@/lib/form-errors';
import { useUnsavedModel } from '@/lib/unsaved';

export function useRecordForm<M extends object, R>(
  empty: () => M,
  send: (patientId: string, model: M, headers: { 'idempotency-key': string }) => Promise<R>,
  fields: string[],
  afterSave?: () => void,
) {
  const route = useRoute();
  const patientId = computed(() => String(route.params.id));
  const form = ref(empty()) as Ref<M>;
  const errors = useFormErrors();
  const busy = ref(false);
  const saved = ref(null) as Ref<R | null>;
  const { markClean } = useUnsavedModel(form);
  useClearErrorOnEdit(form, errors);
  let key = idempotencyKey();

  async function save(): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    errors.clear();
    try {
      saved.value = await send(patientId.value, form.value, { 'idempotency-key': key });
      markClean();
      afterSave?.();
    } catch (e) {
      errors.take(e, fields);
    } finally {
      busy.value = false;
    }
  }

  function again(): void {
    form.value = empty();
    saved.value = null;
    key = idempotencyKey();
    errors.clear();
    markClean();
  }

  return { patientId, form, errors, busy, saved, save, again };
}
