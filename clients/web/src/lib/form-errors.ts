// Server errors shown at the field they name. smd-server names the request field in an
// INVALID_ARGUMENT message ("patient.id_number: ..."); a form binds each el-form-item's
// :error to errors.at('<field path>') and calls errors.take(e) in its catch. What names no
// field of the form (or no field at all) goes to errors.general, shown above the buttons.
//
// Field paths are the proto's snake_case names relative to the request; `prefix` strips a
// common part (e.g. 'patient.' for a RegisterPatientRequest whose form edits `patient`).
import { reactive, watch, type Ref } from 'vue';
import { Code } from '@connectrpc/connect';
import { errorText, toServerError } from '@/api/errors';
import { t } from '@/i18n';

export interface FormErrors {
  byField: Record<string, string>;
  general: string;
  /** The message for a field path, or '' (for el-form-item :error). */
  at(field: string): string;
  /** Shows an error thrown by a call; returns the field it named, or ''. */
  take(e: unknown, knownFields?: string[]): string;
  clear(): void;
}

export function useFormErrors(prefix = ''): FormErrors {
  const state: FormErrors = reactive({
    byField: {} as Record<string, string>,
    general: '',
    at(field: string) {
      return state.byField[field] ?? '';
    },
    take(e: unknown, knownFields?: string[]) {
      state.clear();
      const s = toServerError(e);
      let field = s.field;
      if (prefix && field.startsWith(prefix)) field = field.slice(prefix.length);
      const text = s.code === Code.InvalidArgument ? t(s.zh, s.en) : errorText(s);
      if (field && (!knownFields || knownFields.includes(field))) {
        state.byField[field] = text;
        return field;
      }
      state.general = field ? `${field}: ${text}` : text;
      return '';
    },
    clear() {
      for (const k of Object.keys(state.byField)) delete state.byField[k];
      state.general = '';
    },
  });
  return state;
}

/**
 * Clears the server's message at a field once the user edits that field (the message was
 * about the old value). Model keys are camelCase, server field paths snake_case.
 */
export function useClearErrorOnEdit(model: Ref<object>, errors: { byField: Record<string, string> }) {
  let last: Record<string, string> = snapshot(model.value);
  watch(model, (v) => {
    const now = snapshot(v);
    for (const k of Object.keys(now)) {
      if (now[k] !== last[k]) delete errors.byField[k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())];
    }
    last = now;
  }, { deep: true });
}

function snapshot(o: object): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, JSON.stringify(v)]));
}
