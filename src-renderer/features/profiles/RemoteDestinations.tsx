import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { RemoteSpecInput } from '../../../src-shared/domain/profile';
import { call, errorText, UiError } from '../../lib/api';

/** What a connection test left to show: success, an error, or an unknown host key to confirm. */
type TestState = { kind: 'ok'; objects: number } | { kind: 'error'; text: string } | { kind: 'host'; fingerprint: string; line: string; host: string } | null;

/** S3 keys typed for one remote: kept in the OS keychain by Test or by the profile's Save, never in the profile. */
export interface RemoteKeys {
  readonly keyId: string;
  readonly secret: string;
}

const NO_KEYS: RemoteKeys = { keyId: '', secret: '' };

/**
 * Store the S3 keys typed in the editor (for every S3 remote that has both), before the profile is
 * saved: a Save without a Test must not drop them. One of the two alone is an error naming the remote.
 */
export async function storeRemoteKeys(remotes: readonly RemoteSpecInput[], keys: readonly (RemoteKeys | undefined)[]): Promise<void> {
  for (const [i, r] of remotes.entries()) {
    const k = keys[i] ?? NO_KEYS;
    if (!r.url.startsWith('s3://') || (!k.keyId && !k.secret)) continue;
    if (!k.keyId || !k.secret) throw new Error(`Off-site copy ${i + 1} (${r.url}): type both the access key id and the secret key, or leave both empty to use the AWS variables and ~/.aws files.`);
    await call('remote:set-secrets', { url: r.url, ...(r.s3Endpoint ? { s3Endpoint: r.s3Endpoint } : {}), s3AccessKeyId: k.keyId, s3SecretAccessKey: k.secret });
  }
}

function RemoteRow({ index, value, onChange, onRemove, keys, onKeys }: { index: number; value: RemoteSpecInput; onChange: (v: RemoteSpecInput) => void; onRemove: () => void; keys: RemoteKeys; onKeys: (k: RemoteKeys) => void }): React.JSX.Element {
  const [test, setTest] = useState<TestState>(null);
  const { keyId, secret } = keys;
  const isS3 = value.url.startsWith('s3://');

  const runTest = async (): Promise<void> => {
    setTest(null);
    try {
      if (isS3 && keyId && secret) await call('remote:set-secrets', { url: value.url, ...(value.s3Endpoint ? { s3Endpoint: value.s3Endpoint } : {}), s3AccessKeyId: keyId, s3SecretAccessKey: secret });
      const r = await call('remote:test', { remote: value });
      setTest({ kind: 'ok', objects: r.objects });
    } catch (e) {
      const d = e instanceof UiError ? (e.info.details as { fingerprint?: string; knownHostsLine?: string; host?: string; port?: number } | undefined) : undefined;
      if (e instanceof UiError && e.info.code === 'REMOTE_HOST_UNKNOWN' && d?.fingerprint && d.knownHostsLine) {
        setTest({ kind: 'host', fingerprint: d.fingerprint, line: d.knownHostsLine, host: `${d.host ?? ''}:${d.port ?? ''}` });
        return;
      }
      const t = errorText(e);
      setTest({ kind: 'error', text: `${t.message}${t.hint ? ` ${t.hint}` : ''}` });
    }
  };

  const trust = async (fingerprint: string, line: string): Promise<void> => {
    try {
      await call('remote:trust-host-key', { url: value.url, fingerprint, knownHostsLine: line });
      await runTest();
    } catch (e) {
      setTest({ kind: 'error', text: errorText(e).message });
    }
  };

  return (
    <Box sx={{ display: 'grid', gap: 1, p: 1.5, border: 1, borderColor: 'divider', borderRadius: 1 }} data-testid={`remote-${index}`}>
      <Box sx={{ display: 'grid', gridTemplateColumns: '3fr 1fr auto auto', gap: 1, alignItems: 'start' }}>
        <TextField label="Remote URL" value={value.url} onChange={(e) => onChange({ ...value, url: e.target.value.trim() })} helperText="s3://bucket/prefix, sftp://user@host:port/path or rclone:remote:path" slotProps={{ htmlInput: { 'data-testid': `remote-url-${index}` } }} />
        <TextField label="Keep days" helperText="Off-site retention" value={value.keepDays ?? ''} onChange={(e) => onChange({ ...value, keepDays: e.target.value ? Number(e.target.value.replace(/\D/g, '')) || null : null })} />
        <Button onClick={() => void runTest()} disabled={!value.url} data-testid={`remote-test-${index}`}>
          Test
        </Button>
        <Button color="error" onClick={onRemove} aria-label={`Remove remote ${index + 1}`}>
          Remove
        </Button>
      </Box>
      {isS3 && (
        <Box sx={{ display: 'grid', gridTemplateColumns: '2fr 1fr 1fr 1fr auto', gap: 1, alignItems: 'center' }}>
          <TextField label="Endpoint (non-AWS)" value={value.s3Endpoint ?? ''} onChange={(e) => onChange({ ...value, ...(e.target.value ? { s3Endpoint: e.target.value.trim() } : { s3Endpoint: undefined }) })} />
          <TextField label="Region" value={value.s3Region ?? ''} onChange={(e) => onChange({ ...value, ...(e.target.value ? { s3Region: e.target.value.trim() } : { s3Region: undefined }) })} />
          <TextField label="Access key id" value={keyId} onChange={(e) => onKeys({ keyId: e.target.value.trim(), secret })} />
          <TextField label="Secret key" type="password" value={secret} onChange={(e) => onKeys({ keyId, secret: e.target.value })} />
          <FormControlLabel control={<Checkbox checked={value.s3PathStyle ?? false} onChange={(e) => onChange({ ...value, s3PathStyle: e.target.checked })} />} label="Path-style" />
        </Box>
      )}
      {isS3 && (
        <Typography variant="caption" color="text.secondary">
          Keys typed here are kept in the OS keychain when you test or save; without them the standard AWS variables and ~/.aws files are used.
        </Typography>
      )}
      {test?.kind === 'ok' && <Alert severity="success">Connected: {test.objects} object(s) at this location.</Alert>}
      {test?.kind === 'error' && (
        <Alert severity="error" role="alert">
          {test.text}
        </Alert>
      )}
      {test?.kind === 'host' && (
        <Alert
          severity="warning"
          data-testid={`remote-host-prompt-${index}`}
          action={
            <Button color="inherit" onClick={() => void trust(test.fingerprint, test.line)}>
              Trust this key
            </Button>
          }
        >
          First connection to {test.host}. Its host key fingerprint is <b>{test.fingerprint}</b>. Compare it with the server&apos;s own (ssh-keygen -lf on the server) before trusting it.
        </Alert>
      )}
    </Box>
  );
}

/** The profile's off-site destinations: each backup is copied to every one after it is verified locally. */
export function RemoteDestinations({ value, onChange, keys, onKeys }: { value: readonly RemoteSpecInput[]; onChange: (v: RemoteSpecInput[]) => void; keys: readonly (RemoteKeys | undefined)[]; onKeys: (k: (RemoteKeys | undefined)[]) => void }): React.JSX.Element {
  return (
    <>
      <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
        Off-site copies
      </Typography>
      {value.length === 0 && (
        <Typography variant="body2" color="text.secondary">
          None: backups stay on this machine only. Add an S3 bucket, an SFTP server or an rclone remote.
        </Typography>
      )}
      {value.map((r, i) => (
        <RemoteRow
          key={i}
          index={i}
          value={r}
          keys={keys[i] ?? NO_KEYS}
          onKeys={(k) => onKeys(value.map((_x, j) => (j === i ? k : keys[j])))}
          onChange={(n) => onChange(value.map((x, j) => (j === i ? n : x)))}
          onRemove={() => {
            onChange(value.filter((_x, j) => j !== i));
            onKeys(keys.filter((_x, j) => j !== i));
          }}
        />
      ))}
      <Box>
        <Button onClick={() => onChange([...value, { url: '' }])} data-testid="add-remote">
          + Remote destination
        </Button>
      </Box>
    </>
  );
}
