import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { AGE_RECIPIENT_PATTERN, type ProfileEncryption } from '../../../src-shared/domain/profile';
import { useNotify } from '../../app/notify';
import { call, errorText } from '../../lib/api';
import { useQuery } from '../../lib/hooks';

/** The recipients text area: one public key per line. */
const recipientLines = (text: string): string[] => text.split(/\s+/).map((x) => x.trim()).filter(Boolean);

interface Props {
  /** The profile's name as typed (keys are stored under it). */
  readonly profileName: string;
  /** The encryption of the saved profile (the recovery kit describes what is saved). */
  readonly saved: ProfileEncryption | null;
  readonly value: ProfileEncryption | null;
  readonly onChange: (v: ProfileEncryption | null) => void;
}

/**
 * Encryption at rest for a profile (age): a passphrase kept in the OS keychain, or public keys
 * (`age1...`) whose private half may live elsewhere, or be created here and kept in the keychain.
 * Secrets go straight to main and are never part of the profile; the recovery kit is offered as
 * soon as encryption is on, because without it a lost computer means lost backups.
 */
export function EncryptionSettings({ profileName, saved, value, onChange }: Props) {
  const notify = useNotify();
  const state = useQuery('encryption:get-state', { profile: profileName || '_' });
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [recipientsText, setRecipientsText] = useState(value?.mode === 'recipients' ? value.recipients.join('\n') : '');
  const [error, setError] = useState<string | null>(null);
  const named = profileName.trim().length > 0;

  const run = async (what: () => Promise<void>): Promise<void> => {
    setError(null);
    try {
      await what();
      state.reload();
    } catch (e) {
      const t = errorText(e);
      setError(`${t.message}${t.hint ? ` ${t.hint}` : ''}`);
    }
  };
  const setRecipients = (text: string): void => {
    setRecipientsText(text);
    onChange({ mode: 'recipients', recipients: recipientLines(text) });
  };
  const bad = value?.mode === 'recipients' ? value.recipients.filter((r) => !AGE_RECIPIENT_PATTERN.test(r)) : [];

  return (
    <Box sx={{ display: 'grid', gap: 1.5 }} data-testid="encryption-settings">
      <FormControlLabel
        control={<Switch checked={value !== null} onChange={(e) => onChange(e.target.checked ? { mode: 'passphrase', passphraseHint: '' } : null)} slotProps={{ input: { 'aria-label': 'Encrypt backups' } }} />}
        label="Encrypt backups (age format: files end in .zip.age / .tar.gz.age)"
      />
      {value && (
        <>
          <TextField
            select
            label="Encrypt with"
            value={value.mode}
            onChange={(e) => onChange(e.target.value === 'passphrase' ? { mode: 'passphrase', passphraseHint: '' } : { mode: 'recipients', recipients: recipientLines(recipientsText) })}
          >
            <MenuItem value="passphrase">A passphrase (kept in this computer&apos;s keychain)</MenuItem>
            <MenuItem value="recipients">Public keys (age1…): the private key can stay off this computer</MenuItem>
          </TextField>
          {value.mode === 'passphrase' ? (
            <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr auto', gap: 2, alignItems: 'start' }}>
              <TextField type="password" label="Passphrase" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} helperText="At least 12 characters; 4–5 random words is good" autoComplete="new-password" />
              <TextField type="password" label="Repeat passphrase" value={again} onChange={(e) => setAgain(e.target.value)} error={again.length > 0 && again !== passphrase} helperText={again.length > 0 && again !== passphrase ? 'Does not match' : ' '} autoComplete="new-password" />
              <Button
                sx={{ mt: 1 }}
                disabled={!named || passphrase.length < 12 || passphrase !== again}
                onClick={() =>
                  void run(async () => {
                    await call('encryption:set-passphrase', { profile: profileName.trim(), passphrase });
                    setPassphrase('');
                    setAgain('');
                    notify.success('Passphrase stored in the keychain.');
                  })
                }
              >
                Store in keychain
              </Button>
              <TextField sx={{ gridColumn: '1 / -1' }} label="Hint (printed in the recovery kit; never the passphrase itself)" value={value.passphraseHint} onChange={(e) => onChange({ mode: 'passphrase', passphraseHint: e.target.value.slice(0, 200) })} />
              <Typography variant="body2" color={state.data?.passphraseStored ? 'success.main' : 'warning.main'} sx={{ gridColumn: '1 / -1' }}>
                {state.data?.passphraseStored ? 'A passphrase for this profile is stored in the keychain.' : 'No passphrase stored yet: backups of this profile fail until one is.'}
              </Typography>
            </Box>
          ) : (
            <Box sx={{ display: 'grid', gap: 1 }}>
              <TextField
                multiline
                minRows={2}
                label="Public keys, one per line"
                value={recipientsText}
                onChange={(e) => setRecipients(e.target.value)}
                error={bad.length > 0}
                helperText={bad.length > 0 ? `Not an age public key: ${bad[0]?.slice(0, 24)}…` : 'age1… keys (from age-keygen -y). Whoever holds a matching private key can restore.'}
                slotProps={{ htmlInput: { spellCheck: false, style: { fontFamily: 'monospace' } } }}
              />
              <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
                <Button
                  disabled={!named}
                  onClick={() =>
                    void run(async () => {
                      const { recipient } = await call('encryption:create-key', { profile: profileName.trim() });
                      setRecipients([...recipientLines(recipientsText), recipient].join('\n'));
                      notify.success('Key created; its private half is in the keychain. Save the profile, then save the recovery kit.');
                    })
                  }
                >
                  Create a key on this computer
                </Button>
                <Typography variant="body2" color="text.secondary">
                  {state.data?.localRecipient ? `Private key kept here for ${state.data.localRecipient.slice(0, 16)}…` : 'No private key is kept on this computer.'}
                </Typography>
              </Box>
            </Box>
          )}
          <Alert
            severity="warning"
            action={
              <Button color="inherit" size="small" disabled={!saved} onClick={() => void run(async () => void (await call('encryption:save-recovery-kit', { profile: profileName.trim() })))} data-testid="save-recovery-kit">
                Save recovery kit…
              </Button>
            }
          >
            {saved ? 'Print the recovery kit and keep it away from this computer: without the key, nobody can restore these backups.' : 'Save the profile, then save and print its recovery kit: without the key, nobody can restore these backups.'}
          </Alert>
          {error && (
            <Alert severity="error" role="alert">
              {error}
            </Alert>
          )}
        </>
      )}
    </Box>
  );
}
