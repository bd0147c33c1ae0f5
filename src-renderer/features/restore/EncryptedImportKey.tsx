import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { ImportEncryptionView, ImportPreviewView, PathRef } from '../../../src-shared/ipc/contract';
import { call, errorText } from '../../lib/api';

type KeyChoice = { kind: 'profile'; profile: string } | { kind: 'identity-file' } | { kind: 'passphrase'; passphrase: string };

function needs(e: ImportEncryptionView): string {
  if (e.mode === 'passphrase') return 'It is encrypted with a passphrase.';
  if (e.mode === 'recipients') return `It is encrypted to ${e.stanzas === 1 ? 'one public key' : `${e.stanzas} public keys`}: open it with the matching private key (an identity file, AGE-SECRET-KEY-1…).`;
  return 'It is encrypted to a kind of key Lifeboat does not open: decrypt it with the age command first.';
}

/**
 * The key step of a dropped encrypted archive: a profile's key kept in this computer's keychain,
 * an identity file chosen in main's own file dialog (the page never names it), or a typed
 * passphrase. Main decrypts into its private temp and answers with the full preview.
 */
export function EncryptedImportKey({ grant, encryption, onOpened }: { grant: PathRef; encryption: ImportEncryptionView; onOpened: (view: ImportPreviewView) => void }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState('');

  const open = async (key: KeyChoice): Promise<void> => {
    setBusy(true);
    setProblem(null);
    try {
      onOpened(await call('import:inspect', { archive: grant, key }));
    } catch (err) {
      const t = errorText(err);
      // Closing the file dialog is a choice, not a failure.
      if (t.code !== 'CANCELLED') setProblem(t.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box sx={{ display: 'grid', gap: 1.5 }} data-testid="import-key">
      <Alert severity="info" data-testid="import-encrypted">
        Encrypted Lifeboat archive. {needs(encryption)} Its contents are checked once it is open; nothing is copied before you confirm.
      </Alert>
      {encryption.mode !== 'other' && (
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}>
          {encryption.storedKeys.map((k) => (
            <Button key={`${k.profile}-${k.kind}`} variant="outlined" disabled={busy} onClick={() => void open({ kind: 'profile', profile: k.profile })} data-testid={`import-key-profile-${k.profile}`}>
              Use the {k.kind === 'passphrase' ? 'passphrase' : 'key'} of profile {k.profile}
            </Button>
          ))}
          {encryption.mode === 'recipients' && (
            <Button variant="outlined" disabled={busy} onClick={() => void open({ kind: 'identity-file' })} data-testid="import-key-file">
              Choose identity file…
            </Button>
          )}
        </Box>
      )}
      {encryption.mode === 'passphrase' && (
        <Box
          component="form"
          sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}
          onSubmit={(e) => {
            e.preventDefault();
            void open({ kind: 'passphrase', passphrase });
          }}
        >
          <TextField size="small" type="password" label="Passphrase" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} sx={{ flex: 1 }} slotProps={{ htmlInput: { 'data-testid': 'import-key-passphrase' } }} />
          <Button type="submit" variant="outlined" disabled={busy || passphrase.length === 0}>
            Open
          </Button>
        </Box>
      )}
      {busy && (
        <Typography variant="body2" color="text.secondary">
          Decrypting and checking it where it is…
        </Typography>
      )}
      {problem && (
        <Alert severity="error" data-testid="import-key-error">
          {problem}
        </Alert>
      )}
    </Box>
  );
}
