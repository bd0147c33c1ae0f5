/**
 * Restore's view of the entry rules. They are defined once, in archive/entry-rules.ts, and shared
 * with the backup's own check, `verify` and import.
 */
export { assertManifestMatches, assertRestorable, assertRoomFor, assertSafeEntries, assertSafeName, declaredBytes } from '../archive/entry-rules.js';
export { printable } from '../util/printable.js';
