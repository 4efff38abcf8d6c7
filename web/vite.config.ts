import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is built into dist/web, which `takt serve` serves (src/server/routes/web/).
// No inline script or style is emitted: the server's Content-Security-Policy forbids them.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npx vite --config web/vite.config.ts` serves the page with hot reload; the API is a
  // running `takt serve` (TAKT_URL, default http://127.0.0.1:4318).
  server: {
    proxy: Object.fromEntries(
      ['/api', '/auth', '/v1'].map((p) => [p, { target: process.env.TAKT_URL ?? 'http://127.0.0.1:4318' }]),
    ),
  },
});
