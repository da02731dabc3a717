import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { onSessionExpired } from './api/client';
import { router } from './router';
import { useAuthStore } from './stores/auth';
import './styles.css';

if (navigator.webdriver || window.matchMedia('(prefers-reduced-motion: reduce)').matches) {
  document.documentElement.classList.add('no-motion');
}

const app = createApp(App);
app.use(createPinia());
app.use(router);

onSessionExpired(() => {
  useAuthStore().forget();
  const current = router.currentRoute.value;
  // During the first navigation the guard itself sends the user to /login; afterwards this does it.
  if (current.matched.length > 0 && !current.meta.public) {
    void router.replace({ name: 'login', query: { redirect: current.fullPath, reason: 'expired' } });
  }
});

app.mount('#app');
