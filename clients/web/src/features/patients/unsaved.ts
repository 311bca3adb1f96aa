// Warns before leaving a form with unsaved changes: a confirm on in-app navigation
// (router guard) and the browser's own prompt on reload or closing the tab (beforeunload).
// Drafts stay in memory only (patient data never goes to web storage).
import { onBeforeUnmount, onMounted } from 'vue';
import { onBeforeRouteLeave } from 'vue-router';
import { ElMessageBox } from 'element-plus';
import 'element-plus/es/components/message-box/style/css';
import { t } from '@/i18n';

export function useUnsavedGuard(dirty: () => boolean): void {
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
        t('表单有未保存的修改，离开后将丢失。确定离开吗？', 'The form has unsaved changes that will be lost. Leave anyway?'),
        t('未保存的修改', 'Unsaved changes'),
        { confirmButtonText: t('离开', 'Leave'), cancelButtonText: t('留在此页', 'Stay'), type: 'warning' },
      );
      return true;
    } catch {
      return false;
    }
  });
}
