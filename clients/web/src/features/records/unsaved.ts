// Unsaved-change warning for the record forms (docs: keep drafts in memory and warn before
// leaving). A form is dirty when its model differs from the one it started with; leaving
// through the router asks first, closing or reloading the tab gets the browser's prompt.
import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import { onBeforeRouteLeave } from 'vue-router';
import { ElMessageBox } from 'element-plus';
import 'element-plus/es/components/message-box/style/css';
import { t } from '@/i18n';

export function useUnsavedGuard(model: Ref<unknown> | (() => unknown)) {
  const read = typeof model === 'function' ? model : () => model.value;
  const baseline = ref(JSON.stringify(read()));
  const dirty = ref(false);
  watch(read, (v) => { dirty.value = JSON.stringify(v) !== baseline.value; }, { deep: true });

  /** The current content counts as saved (after a save, or a reset to empty). */
  function markClean() {
    baseline.value = JSON.stringify(read());
    dirty.value = false;
  }

  const onUnload = (e: BeforeUnloadEvent) => {
    if (!dirty.value) return;
    e.preventDefault();
    e.returnValue = '';
  };
  onMounted(() => window.addEventListener('beforeunload', onUnload));
  onBeforeUnmount(() => window.removeEventListener('beforeunload', onUnload));

  onBeforeRouteLeave(async () => {
    if (!dirty.value) return true;
    try {
      await ElMessageBox.confirm(
        t('表单有未保存的内容，离开后将丢失。确定离开？', 'The form has unsaved changes that will be lost. Leave anyway?'),
        t('未保存', 'Unsaved changes'),
        { confirmButtonText: t('离开', 'Leave'), cancelButtonText: t('留在此页', 'Stay'), type: 'warning' },
      );
      return true;
    } catch {
      return false;
    }
  });

  return { dirty, markClean };
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
