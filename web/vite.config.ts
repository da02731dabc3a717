import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type ProxyOptions } from 'vite';

// The SPA calls same-origin `/api` and `/sandbox`; in development Vite forwards both to the local stack.
const apiTarget = process.env.SPOT_API_URL ?? 'http://127.0.0.1:3000';
const proxy: Record<string, ProxyOptions> = {
  '/api': { target: apiTarget, changeOrigin: true },
  '/sandbox': { target: apiTarget, changeOrigin: true },
};

export default defineConfig({
  // Explicit root so `vite --config web/vite.config.ts` works from the repository root too.
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [vue()],
  server: { host: '127.0.0.1', port: 5173, proxy },
  preview: { host: '127.0.0.1', port: 4173, proxy },
  // `"sideEffects": false` in shared/package.json lets the bundler leave unused shared modules out of the
  // chunk every page loads: the instance catalog (0.8 MB of JSON) then ships only with the template wizard.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
