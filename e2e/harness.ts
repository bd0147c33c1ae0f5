import { test as base, type Page } from '@playwright/test';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LifeboatEngine } from '../src-main/engine/lifeboat-engine.js';
import { CONTENT_SECURITY_POLICY } from '../src-main/desktop/csp.js';
import { dispatch } from '../src-main/ipc/dispatch.js';
import { releaseHolds } from '../src-main/engine/util/fault.js';
import type { Events } from '../src-shared/ipc/contract.js';
import { makeServices, type RecordingDesktop } from '../test-support/services.js';
import type { Services } from '../src-main/ipc/services.js';

const RENDERER = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'renderer');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

/** Serve the built renderer with the app's CSP, as Electron would load it. */
async function serveRenderer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = normalize(join(RENDERER, url.pathname === '/' ? 'index.html' : url.pathname));
    if (!file.startsWith(RENDERER)) {
      res.writeHead(403).end();
      return;
    }
    stat(file).then(
      () => {
        res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': CONTENT_SECURITY_POLICY });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, origin: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

/** What a spec gets: the page with window.lifeboat wired to the real handlers, the engine, a temp home. */
export interface AppFixture {
  readonly page: Page;
  readonly services: Services & { desktop: RecordingDesktop };
  readonly home: string;
  readonly scratch: string;
  /** Save a screenshot artifact (test-results/screenshots/NAME.png). */
  shot(name: string): Promise<void>;
  /** The main process's answer to the renderer's next call on `channel`, once it has been given. */
  answered(channel: string): Promise<unknown>;
}

export const test = base.extend<{ app: AppFixture }, { renderer: { origin: string } }>({
  renderer: [
    // Playwright requires an object pattern for a fixture without dependencies.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { server, origin } = await serveRenderer();
      await use({ origin });
      await new Promise((r) => server.close(r));
    },
    { scope: 'worker' },
  ],
  app: async ({ page, renderer }, use) => {
    const home = await mkdtemp(join(tmpdir(), 'lifeboat-e2e-home-'));
    const scratch = await mkdtemp(join(tmpdir(), 'lifeboat-e2e-data-'));
    const engine = await LifeboatEngine.open({ home });
    const emit = <E extends keyof Events>(event: E, payload: Events[E]): void => {
      void page.evaluate(([e, p]) => (window as unknown as { __lifeboatEmit: (e: string, p: unknown) => void }).__lifeboatEmit(e, p), [event, payload] as const).catch(() => undefined);
    };
    const services = makeServices(engine, emit);
    // The real dispatcher, with the sender's frame checked exactly as bind-electron.ts does.
    const waiting = new Map<unknown, ((answer: unknown) => void)[]>();
    await page.exposeBinding('__lifeboatInvoke', async (source, channel: unknown, payload: unknown) => {
      const answer = await dispatch(services, [renderer.origin], channel, payload, { url: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame() });
      for (const w of waiting.get(channel) ?? []) w(answer);
      waiting.delete(channel);
      return answer;
    });
    const answered = (channel: string): Promise<unknown> => new Promise((resolve) => waiting.set(channel, [...(waiting.get(channel) ?? []), resolve]));
    await page.addInitScript(() => {
      const listeners = new Map<string, Set<(p: unknown) => void>>();
      const w = window as unknown as Record<string, unknown>;
      w.__lifeboatEmit = (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload));
      w.lifeboat = {
        invoke: (channel: string, payload: unknown) => (w.__lifeboatInvoke as (c: string, p: unknown) => Promise<unknown>)(channel, payload),
        on: (event: string, listener: (p: unknown) => void) => {
          const set = listeners.get(event) ?? new Set();
          set.add(listener);
          listeners.set(event, set);
          return () => set.delete(listener);
        },
        // As the preload does: Electron's webUtils.getPathForFile gives a dropped file's path (specs
        // attach it to the File) and main mints a read-only grant on the preload-only channel.
        grantDroppedFile: (file: { lifeboatPath?: string; name: string }) => (w.__lifeboatInvoke as (c: string, p: unknown) => Promise<unknown>)('dialog:grant-dropped', { path: file.lifeboatPath ?? '' }),
      };
    });
    await page.goto(`${renderer.origin}/index.html`);
    const shots = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'screenshots');
    await mkdir(shots, { recursive: true });
    await use({ page, services, home, scratch, shot: async (name) => void (await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false, animations: 'disabled' })), answered });
    releaseHolds(); // a spec that failed while holding a job must not hang the teardown
    await services.jobs.idle();
    engine.close();
    await rm(home, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';

/** Drop a file from disk onto the window, as a user dragging it from the file manager would. */
export async function dropFile(page: Page, path: string, name: string): Promise<void> {
  const dt = await page.evaluateHandle(
    ([p, n]) => {
      const t = new DataTransfer();
      const f = new File(['(contents on disk)'], n);
      Object.defineProperty(f, 'lifeboatPath', { value: p });
      t.items.add(f);
      return t;
    },
    [path, name] as const,
  );
  await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer: dt });
}
