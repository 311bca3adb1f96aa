// Page build. Element Plus components are imported on demand (unplugin-vue-components with
// its resolver): a full import bundles to ~1.5 MB. Routes are split per screen
// (src/router.ts uses dynamic imports), so the first load carries only the shell.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { fileURLToPath, URL } from 'node:url';

export default defineConfig({
  plugins: [
    vue(),
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: 'dist/public',
    emptyOutDir: true,
    // CSP default-src 'self': no inline scripts, no eval; Vite's module preload polyfill is
    // inlined by default, so switch it off (every supported browser has modulepreload).
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 400,
    sourcemap: false,
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
});
