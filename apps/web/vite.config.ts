import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The UI lives in ui/ (its own tsconfig with the DOM library); the server serves dist/.
export default defineConfig({
  root: fileURLToPath(new URL('./ui', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // Inline assets would need data: in script/style CSP; keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
  },
  worker: { format: 'es' },
});
