/**
 * Where a worker thread's compiled module is. Workers are ordinary typed modules (pack-worker.ts,
 * sqlite-worker.ts), built like the rest: `tsc -p tsconfig.build.json` puts `<name>.js` next to
 * this file's compiled copy (out/node/src-main/engine/workers), and electron-vite's main build
 * emits each as an entry of its own next to the bundle that holds this code (out/main/<name>.js;
 * see electron.vite.config.ts). When this file runs from its TypeScript source (vitest, the e2e
 * harness) there is no compiled neighbour, and the tsc build's copy is used: test-support/
 * build-once.ts compiles it before the tests run. A missing module fails the Worker at start
 * (ERR_MODULE_NOT_FOUND), which the pools report.
 */
export function workerUrl(name: 'pack-worker' | 'sqlite-worker'): URL {
  if (import.meta.url.endsWith('.ts')) return new URL(`../../../out/node/src-main/engine/workers/${name}.js`, import.meta.url);
  return new URL(`./${name}.js`, import.meta.url);
}
