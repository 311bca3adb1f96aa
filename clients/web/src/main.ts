import { createApp } from 'vue';
import { createPinia } from 'pinia';
import 'element-plus/theme-chalk/base.css';
import './style.css';
import App from './App.vue';
import { router, toLoginAfterExpiry } from './router';
import { useSession, watchSessionLoss } from './stores/session';
import { lang, setLang } from './i18n';

const app = createApp(App);
app.use(createPinia());
app.use(router);
setLang(lang.value);
const session = useSession();
watchSessionLoss(() => {
  session.sessionLost();
  toLoginAfterExpiry();
});
app.mount('#app');
