/**
 * Every IPC channel and event name, as plain data with no dependencies: the sandboxed preload
 * imports this file alone. contract.ts gives each channel its schema and types.
 */

/** Request/response channels (`domain:verb-noun`). */
export const CHANNELS = [
  'app:get-info',
  'stats:get',
  'history:query',
  'backup:get-details',
  'backup:start',
  'backup:verify',
  'backup:delete',
  'backup:export',
  'backup:show-in-folder',
  'backup:save-receipt',
  'job:cancel',
  'job:list-active',
  'restore:plan',
  'restore:start',
  'import:archive',
  'profile:list',
  'profile:save',
  'profile:remove',
  'profile:test-connection',
  'settings:get',
  'settings:set',
  'settings:set-smtp-password',
  'settings:get-secret-state',
  'settings:test-email',
  'audit:query',
  'audit:verify',
  'audit:export',
  'demo:create',
  'dialog:pick-path',
  // --- safe restores and drop-to-restore (issue 12, items 3 and 8) ---
  'restore:cancel',
  'restore:open-target',
  'import:inspect',
  // --- end safe restores and drop-to-restore ---
  // File-level restore and comparison (issue 12, item 4).
  'files:list-folder',
  'files:plan',
  'files:restore',
  'files:compare',
  // Encryption at rest (issue 14)
  'encryption:get-state',
  'encryption:set-passphrase',
  'encryption:create-key',
  'encryption:save-recovery-kit',
  // issue 12 items 5-7
  'backup:estimate',
  'run-log:get',
  'profile:undo-remove',
  // Off-site remote destinations (issue 14)
  'remote:list-copies',
  'remote:test',
  'remote:trust-host-key',
  'remote:set-secrets',
  'remote:sync',
  'remote:verify',
  'remote:fetch',
] as const;

/**
 * Channels only the preload calls (never exposed to the page's `invoke`): minting a grant for a
 * dropped file's path, which the preload reads from the File itself.
 */
export const PRELOAD_CHANNELS = ['dialog:grant-dropped'] as const;

/** A request channel name. */
export type Channel = (typeof CHANNELS)[number] | (typeof PRELOAD_CHANNELS)[number];
/** A channel the page itself may call through `window.lifeboat.invoke`. */
export type PageChannel = (typeof CHANNELS)[number];

/** Events pushed from main to the renderer (nouns or past tense). */
export const EVENTS = ['job:progress', 'job:finished', 'catalog:changed', 'settings:changed', 'backup:focused'] as const;
/** An event name. */
export type EventName = (typeof EVENTS)[number];

/** The exact page channel, or undefined for anything else (no prefix or pattern matching). */
export function toPageChannel(name: unknown): PageChannel | undefined {
  return typeof name === 'string' && (CHANNELS as readonly string[]).includes(name) ? (name as PageChannel) : undefined;
}

/** The exact channel (page or preload), or undefined for anything else. */
export function toChannel(name: unknown): Channel | undefined {
  return toPageChannel(name) ?? (typeof name === 'string' && (PRELOAD_CHANNELS as readonly string[]).includes(name) ? (name as Channel) : undefined);
}

/** The exact event, or undefined. */
export function toEvent(name: unknown): EventName | undefined {
  return typeof name === 'string' && (EVENTS as readonly string[]).includes(name) ? (name as EventName) : undefined;
}
