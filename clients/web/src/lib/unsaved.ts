// Unsaved changes are kept in memory only (no patient data in web storage): leaving a form
// with them asks first, inside the app (router guard) and when the tab is closed or reloaded
// (the browser's own beforeunload prompt). Every form uses one of the two below.
import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import { onBeforeRouteLeave } from 'vue-router';
import { ElMessageBox } from 'element-plus';
import 'element-plus/es/components/message-box/style/css';
import { t } from '@/i18n';

/** Asks before leaving while `dirty()` says the form has unsaved changes. */
export function useUnsavedGuard(dirty: () => boolean | undefined): void {
  const onUnload = (e: BeforeUnloadEvent) => {
    if (!dirty()) return;
    e.preventDefault();
    e.returnValue = '';
  };
  onMounted(() => window.addEventListener('beforeunload', onUnload));
  onBeforeUnmount(() => window.removeEventListener('beforeunload', onUnload));
  onBeforeRouteLeave(async (to) => {
    if (!dirty()) return true;
    // A session that ended on the server sends the user to sign in: nothing could be saved
    // now anyway, and the page comes back afterwards.
    if (to.name === 'login') return true;
    try {
      await ElMessageBox.confirm(
        t('表单有未保存的内容，离开后将丢失。确定离开吗？', 'The form has unsaved changes that will be lost. Leave anyway?'),
        t('未保存', 'Unsaved changes'),
        { confirmButtonText: t('离开', 'Leave'), cancelButtonText: t('留在此页', 'Stay'), type: 'warning' },
      );
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The guard for a form whose model is compared with the one it started with: dirty while
 * they differ. markClean() makes the current content the saved one (after a save or reset).
 */
export function useUnsavedModel(model: Ref<unknown> | (() => unknown)) {
  const read = typeof model === 'function' ? model : () => model.value;
  const baseline = ref(JSON.stringify(read()));
  const dirty = ref(false);
  watch(read, (v) => { dirty.value = JSON.stringify(v) !== baseline.value; }, { deep: true });
  function markClean() {
    baseline.value = JSON.stringify(read());
    dirty.value = false;
  }
  useUnsavedGuard(() => dirty.value);
  return { dirty, markClean };
}
