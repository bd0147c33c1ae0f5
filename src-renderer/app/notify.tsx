import Alert from '@mui/material/Alert';
import Snackbar from '@mui/material/Snackbar';
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { errorText } from '../lib/api';

interface Note {
  readonly severity: 'success' | 'error' | 'info' | 'warning';
  readonly text: string;
  readonly key: number;
}

const NotifyContext = createContext<{ success: (t: string) => void; failure: (e: unknown, what?: string) => void; info: (t: string) => void }>({
  success: () => undefined,
  failure: () => undefined,
  info: () => undefined,
});

/** Snackbars for success and failure, from anywhere in the tree. */
export function NotifyProvider({ children }: { children: ReactNode }) {
  const [note, setNote] = useState<Note | null>(null);
  const push = useCallback((severity: Note['severity'], text: string) => setNote({ severity, text, key: Date.now() }), []);
  const value = {
    success: (t: string) => push('success', t),
    info: (t: string) => push('info', t),
    failure: (e: unknown, what?: string) => {
      const { message, hint } = errorText(e);
      push('error', `${what ? `${what}: ` : ''}${message}${hint ? ` ${hint}` : ''}`);
    },
  };
  return (
    <NotifyContext.Provider value={value}>
      {children}
      <Snackbar key={note?.key} open={note !== null} autoHideDuration={note?.severity === 'error' ? 10000 : 5000} onClose={() => setNote(null)} anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}>
        <Alert severity={note?.severity ?? 'info'} variant="filled" onClose={() => setNote(null)} sx={{ maxWidth: 560 }} data-testid="snackbar">
          {note?.text}
        </Alert>
      </Snackbar>
    </NotifyContext.Provider>
  );
}

/** The snackbar functions. */
export function useNotify() {
  return useContext(NotifyContext);
}
