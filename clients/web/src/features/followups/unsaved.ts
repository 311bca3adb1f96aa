// Unsaved changes are kept in memory only (no patient data in web storage): leaving the page
// with them asks first, inside the app (router guard) and when the tab is closed or
// reloaded (beforeunload).
import { onBeforeUnmount, onMounted } from 'vue';
import { onBeforeRouteLeave } from 'vue-router';
import { ElMessageBox } from 'element-plus';
import 'element-plus/es/components/message-box/style/css';
import { t } from '@/i18n';

export function useUnsavedGuard(dirty: () => boolean | undefined): void {
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (!dirty()) return;
    e.preventDefault();
    e.returnValue = '';
  };
  onMounted(() => window.addEventListener('beforeunload', onBeforeUnload));
  onBeforeUnmount(() => window.removeEventListener('beforeunload', onBeforeUnload));
  onBeforeRouteLeave(async () => {
    if (!dirty()) return true;
    try {
      await ElMessageBox.confirm(
        t('表单有未保存的内容，离开后将丢失。确定离开吗？', 'The form has unsaved entries that will be lost. Leave anyway?'),
        t('未保存', 'Unsaved changes'),
        { confirmButtonText: t('离开', 'Leave'), cancelButtonText: t('留在此页', 'Stay'), type: 'warning' },
      );
      return true;
    } catch {
      return false;
    }
  });
}

