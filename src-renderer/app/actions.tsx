import { createContext, useContext } from 'react';
import type { PathRef } from '../../src-shared/ipc/contract';

/** A backup to restore: one from the catalog, or an archive file the user chose (a path grant). */
export type RestoreTarget = { readonly id: string } | { readonly archive: PathRef };

/** App-wide actions any screen may start. */
export interface AppActions {
  openBackupDialog(profile?: string): void;
  openRestoreWizard(target: RestoreTarget): void;
  go(page: Page): void;
  /** Open History on one row (filtered to its profile, the row highlighted): the dashboard's banner links here. */
  showInHistory(focus: HistoryFocus): void;
  /** Open the profile editor on a new profile, over the Profiles screen (first run, empty states). */
  createProfile(): void;
}

/** A History row to land on. */
export interface HistoryFocus {
  readonly id: string;
  readonly profile: string | null;
}

/** The screens. */
export type Page = 'dashboard' | 'history' | 'profiles' | 'audit' | 'settings';

export const ActionsContext = createContext<AppActions>({ openBackupDialog: () => undefined, openRestoreWizard: () => undefined, go: () => undefined, showInHistory: () => undefined, createProfile: () => undefined });

/** The app-wide actions. */
export function useActions(): AppActions {
  return useContext(ActionsContext);
}
