import type { HandlerGroup } from '../handler.js';

/** dialog:* handlers: the only places that mint path grants. */
export const dialogHandlers: HandlerGroup<'dialog:pick-path' | 'dialog:grant-dropped'> = {
  // The path comes from the native dialog in main, never from the payload.
  'dialog:pick-path': async (s, p) => {
    const path = await s.desktop.pickPath(p.kind);
    return path ? s.grants.mint(path, p.kind) : null;
  },
  // Called by the preload alone, with the path Electron gives for a dropped File; yields a read-only archive grant.
  'dialog:grant-dropped': async (s, p) => s.grants.mintDropped(p.path),
};
