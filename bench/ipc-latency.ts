// Round trips to the real main-process IPC handlers (dispatch: sender check, zod parse, handler,
// Result) while a backup started over the same IPC runs in this process, as it would in
// Electron's main process. Electron's own transport is not here (no Electron binary); it adds
// the same constant to both sides. Prints one JSON line.
// Usage: node out/bench/bench/ipc-latency.js <home> <sqlite file> <folder>
import { performance } from 'node:perf_hooks';
import type { JobFinished } from '../src-shared/ipc/contract.js';
import { LifeboatEngine } from '../src-main/engine/lifeboat-engine.js';
import { dispatch } from '../src-main/ipc/dispatch.js';
import { makeServices, pickedPath } from '../test-support/services.js';

const [home, sqlite, folder] = process.argv.slice(2);
if (!home || !sqlite || !folder) throw new Error('usage: ipc-latency <home> <sqlite> <folder>');
const engine = await LifeboatEngine.open({ home });
let finished: (ok: boolean) => void = () => undefined;
const done = new Promise<boolean>((resolve) => (finished = resolve));
const services = makeServices(engine, (event, payload) => {
  if (event === 'job:finished') finished((payload as JobFinished).result.ok);
});
const origin = 'app://lifeboat';
const sender = { url: `${origin}/index.html`, isMainFrame: true };
const call = (channel: string, payload: unknown): ReturnType<typeof dispatch> => dispatch(services, [origin], channel, payload, sender);

const started = performance.now();
// The sources as the user would choose them in the dialogs (path grants).
const pathGrants = [pickedPath(services, sqlite, 'sqlite'), pickedPath(services, folder, 'folder')];
const start = await call('backup:start', { sources: [{ kind: 'sqlite', path: sqlite }, { kind: 'folder', path: folder, include: [], exclude: [], gitignore: false }], pathGrants });
if (!start.ok) throw new Error(`backup:start failed: ${JSON.stringify(start)}`);
let running = true;
void done.then(() => (running = false));
const latencies: number[] = [];
const channels: [string, unknown][] = [
  ['history:query', { limit: 25 }],
  ['job:list-active', {}],
  ['stats:get', {}],
];
for (let i = 0; running; i += 1) {
  const [channel, payload] = channels[i % channels.length]!;
  const t = performance.now();
  const r = await call(channel, payload);
  latencies.push(performance.now() - t);
  if (!r.ok) throw new Error(`${channel} failed: ${JSON.stringify(r)}`);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const backupMs = performance.now() - started;
const ok = await done;
latencies.sort((a, b) => a - b);
const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
console.log(JSON.stringify({ ok, calls: latencies.length, p50: q(0.5), p99: q(0.99), max: latencies.at(-1), backupMs }));
engine.close();
