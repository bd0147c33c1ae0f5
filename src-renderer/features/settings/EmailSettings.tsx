import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { SmtpSettings } from '../../../src-shared/ipc/contract';
import { useNotify } from '../../app/notify';
import { call } from '../../lib/api';
import { useQuery } from '../../lib/hooks';

const EMPTY: SmtpSettings = { host: '', port: 587, security: 'starttls', user: '', allowCleartextAuth: false, from: '', to: [], onSuccess: false, onFailure: true };

/** SMTP host, port, TLS mode, user, password (kept in the OS keychain), sender, recipients; "Send test email". */
export function EmailSettings({ value }: { value: SmtpSettings | null }) {
  const notify = useNotify();
  const [draft, setDraft] = useState<SmtpSettings>(value ?? EMPTY);
  const [recipients, setRecipients] = useState((value?.to ?? []).join(', '));
  const [password, setPassword] = useState('');
  const [test, setTest] = useState<{ ok: boolean; text: string } | null>(null);
  const set = (patch: Partial<SmtpSettings>): void => setDraft((d) => ({ ...d, ...patch }));
  const secrets = useQuery('settings:get-secret-state', {});
  // The stored password belongs to the saved host, port and user; editing any of them means typing it again.
  const sameServer = value !== null && value.host === draft.host && value.port === draft.port && value.user === draft.user;
  const passwordState = password
    ? 'Kept for this host, port and user only.'
    : sameServer && secrets.data?.smtpPassword
      ? 'A password is stored for this server; leave empty to keep it.'
      : draft.user
        ? 'No password stored for this server: enter it (a password is kept only for the host, port and user it was entered for).'
        : 'No user: the server is used without logging in.';
  const save = async (): Promise<boolean> => {
    try {
      const to = recipients.split(/[,\s]+/).filter(Boolean);
      await call('settings:set', { smtp: draft.host ? { ...draft, to } : null });
      if (password) await call('settings:set-smtp-password', { password });
      setPassword('');
      secrets.reload();
      notify.success(draft.host ? 'Email settings saved.' : 'Email notifications turned off.');
      return true;
    } catch (e) {
      notify.failure(e, 'Email settings');
      return false;
    }
  };
  const sendTest = async (): Promise<void> => {
    setTest(null);
    if (!(await save())) return;
    try {
      const r = await call('settings:test-email', {});
      setTest(r.sent ? { ok: true, text: 'Test email sent. Check the recipients\' inboxes.' } : { ok: false, text: `The SMTP server did not accept it: ${r.error ?? ''}` });
    } catch (e) {
      setTest({ ok: false, text: (e as Error).message });
    }
  };

  return (
    <Box sx={{ display: 'grid', gap: 2 }}>
      <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
        Email notifications
      </Typography>
      <Box sx={{ display: 'grid', gridTemplateColumns: '2fr 1fr 1fr', gap: 2 }}>
        <TextField label="SMTP host (empty: no email)" value={draft.host} onChange={(e) => set({ host: e.target.value.trim() })} />
        <TextField label="Port" value={draft.port} onChange={(e) => set({ port: Number(e.target.value.replace(/\D/g, '')) || 587 })} />
        <TextField select label="Security" value={draft.security} onChange={(e) => set({ security: e.target.value as SmtpSettings['security'] })}>
          <MenuItem value="starttls">STARTTLS</MenuItem>
          <MenuItem value="tls">TLS</MenuItem>
          <MenuItem value="none">None (test servers)</MenuItem>
        </TextField>
        <TextField label="User" value={draft.user} onChange={(e) => set({ user: e.target.value })} />
        <TextField type="password" label="Password (kept in the OS keychain)" value={password} onChange={(e) => setPassword(e.target.value)} helperText={passwordState} sx={{ gridColumn: 'span 2' }} />
        <TextField label="From" value={draft.from} onChange={(e) => set({ from: e.target.value })} />
        <TextField label="Recipients (comma-separated)" value={recipients} onChange={(e) => setRecipients(e.target.value)} sx={{ gridColumn: 'span 2' }} />
      </Box>
      <Box sx={{ display: 'flex', gap: 2 }}>
        <FormControlLabel control={<Switch checked={draft.onFailure} onChange={(e) => set({ onFailure: e.target.checked })} />} label="On failure" />
        <FormControlLabel control={<Switch checked={draft.onSuccess} onChange={(e) => set({ onSuccess: e.target.checked })} />} label="On success" />
      </Box>
      {draft.security === 'none' && draft.user && (
        <FormControlLabel
          control={<Switch checked={draft.allowCleartextAuth} onChange={(e) => set({ allowCleartextAuth: e.target.checked })} />}
          label="Allow the password over an unencrypted connection (anyone on the network path can read it; only for a trusted local relay)"
        />
      )}
      <Box sx={{ display: 'flex', gap: 1 }}>
        <Button variant="contained" onClick={() => void save()}>
          Save email settings
        </Button>
        <Button onClick={() => void sendTest()} disabled={!draft.host}>
          Send test email
        </Button>
      </Box>
      {test && <Alert severity={test.ok ? 'success' : 'error'}>{test.text}</Alert>}
    </Box>
  );
}
