import { REQUESTS, toChannel, type Channel } from '../../src-shared/ipc/contract.js';
import { fail, ok, type Result } from '../../src-shared/ipc/result.js';
import { join } from 'node:path';
import { toErrorInfo } from '../../src-shared/errors/lifeboat-error.js';
import { CATALOG_FILE } from '../engine/catalog/catalog.js';
import { sqliteDiskFull } from '../engine/util/fs-errors.js';
import type { Handler } from './handler.js';
import { appHandlers } from './handlers/app.js';
import { auditHandlers } from './handlers/audit.js';
import { backupHandlers } from './handlers/backups.js';
import { dialogHandlers } from './handlers/dialogs.js';
// File-level restore and comparison (issue 12, item 4).
import { filesHandlers } from './handlers/files.js';
import { encryptionHandlers } from './handlers/encryption.js';
import { profileHandlers } from './handlers/profiles.js';
import { restoreHandlers } from './handlers/restore.js';
import { settingsHandlers } from './handlers/settings.js';
import { remoteHandlers } from './handlers/remotes.js'; // off-site remotes (issue 14)
import type { Services } from './services.js';

/** Every channel's handler; the type makes a missing one a compile error. */
export const HANDLERS: { readonly [C in Channel]: Handler<C> } = {
  ...appHandlers,
  ...settingsHandlers,
  ...dialogHandlers,
  ...backupHandlers,
  ...restoreHandlers,
  ...profileHandlers,
  ...auditHandlers,
  // File-level restore and comparison (issue 12, item 4).
  ...filesHandlers,
  ...encryptionHandlers,
  ...remoteHandlers, // off-site remotes (issue 14)
};

/** Who sent a message: the frame's URL and whether it is the window's main frame. */
export interface SenderInfo {
  readonly url: string;
  readonly isMainFrame: boolean;
}

/**
 * Only the app's own main frame may call in: its URL must start with one of `trusted`
 * (the packaged `file://.../index.html`, or the dev/e2e server's origin).
 */
export function isTrustedSender(sender: SenderInfo, trusted: readonly string[]): boolean {
  return sender.isMainFrame && trusted.some((t) => sender.url === t || sender.url.startsWith(t.endsWith('/') ? t : `${t}/`) || sender.url.startsWith(`${t}#`) || sender.url.startsWith(`${t}?`));
}

/**
 * The one door into the main process: check the sender, find the exact channel, parse the payload
 * with its schema, run the handler, and return a Result; errors are classified, never thrown.
 * No Electron here: bind-electron.ts and the e2e harness both call this.
 */
export async function dispatch(services: Services, trusted: readonly string[], channelName: unknown, payload: unknown, sender: SenderInfo): Promise<Result<unknown>> {
  if (!isTrustedSender(sender, trusted)) {
    return fail({ code: 'IPC_REJECTED', message: `Rejected a request from a foreign frame (${sender.isMainFrame ? sender.url : 'a sub-frame'}).` });
  }
  const channel = toChannel(channelName);
  if (!channel) return fail({ code: 'IPC_REJECTED', message: `Unknown channel "${String(channelName).slice(0, 60)}".` });
  const parsed = REQUESTS[channel].safeParse(payload ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
    return fail({ code: 'IPC_REJECTED', message: `Malformed request on ${channel}: ${issues}.` });
  }
  try {
    const handler = HANDLERS[channel] as Handler<Channel>;
    return ok(await handler(services, parsed.data as never));
  } catch (e) {
    // A full disk under the catalog surfaces from SQLite as a generic I/O error: name it.
    return fail(toErrorInfo((await sqliteDiskFull(e, join(services.engine.env.home, CATALOG_FILE))) ?? e));
  }
}
