// User-facing text is Chinese first, with English available (docs/style.md). Each text is
// written where it is used as t('中文', 'English'): no key catalogue to keep in step, and a
// screen's two languages are read side by side. The choice is kept in localStorage (it is
// not a secret) and applies to Element Plus's own texts through <el-config-provider>.
import { ref, computed } from 'vue';

export type Lang = 'zh' | 'en';
const KEY = 'smd.lang';

function initial(): Lang {
  try {
    return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export const lang = ref<Lang>(initial());

export function setLang(l: Lang): void {
  lang.value = l;
  try {
    localStorage.setItem(KEY, l);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

/** The text in the current language. */
export function t(zh: string, en: string): string {
  return lang.value === 'en' ? en : zh;
}

/** A computed text, for places that hold a text outside a template. */
export function tc(zh: string, en: string) {
  return computed(() => t(zh, en));
}
