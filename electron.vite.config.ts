import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

// main + preload + renderer in one build (out/main, out/preload, out/renderer).
export default defineConfig({
  main: {
    // Worker threads are entries of their own, emitted next to index.js, where workers/worker-url.ts
    // looks for them.
    build: {
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src-main/main.ts'),
          'pack-worker': resolve(import.meta.dirname, 'src-main/engine/workers/pack-worker.ts'),
          'sqlite-worker': resolve(import.meta.dirname, 'src-main/engine/workers/sqlite-worker.ts'),
        },
      },
    },
  },
  preload: {
    // Sandboxed preloads must be CommonJS.
    build: { rollupOptions: { input: { index: resolve(import.meta.dirname, 'src-main/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } } },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src-renderer'),
    base: './',
    plugins: [react()],
    build: { chunkSizeWarningLimit: 2000, rollupOptions: { input: resolve(import.meta.dirname, 'src-renderer/index.html') } },
  },
});
