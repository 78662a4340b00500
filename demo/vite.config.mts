import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
/** The app `npm run demo:dev` sends API calls (and the Swagger UI link) to. */
const api = process.env.DEMO_API_URL ?? 'http://localhost:3000';

/**
 * The demo storefront (index.html) and admin page (admin.html), served by the app at /demo when DEMO_ENABLED.
 * Built by `npm run demo:build` (also part of `npm run build`) into dist/demo. Plain TypeScript + DOM, calling
 * the API through the typed client in clients/ts/ (imported by its package name, like an app would).
 * `npm run demo:dev` serves them with hot reload on :5173, proxying /api and /docs to the app on :3000
 * (or DEMO_API_URL).
 */
export default defineConfig({
  root: here('.'),
  base: '/demo/',
  resolve: { alias: { '@checkout-orders/client': here('../clients/ts/src/index.ts') } },
  build: {
    outDir: '../dist/demo',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: { input: { storefront: here('index.html'), admin: here('admin.html') } },
  },
  server: { proxy: { '/api': api, '/docs': api } },
});
