import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import IconButton from '@mui/material/IconButton';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import DeleteIcon from '@mui/icons-material/DeleteOutlined';
import { useState } from 'react';
import type { PathRef } from '../../../src-shared/ipc/contract';
import { PathField } from '../../components/PathField';
import { call, errorText } from '../../lib/api';

/**
 * A source being edited; PostgreSQL is split into fields, and its password never joins the URL.
 * A file or folder path is the stored profile's own, or chosen in the dialog (`grant`).
 */
export type DraftSource =
  | { kind: 'sqlite'; path: string; grant?: PathRef | undefined }
  | { kind: 'folder'; path: string; exclude: string; gitignore: boolean; grant?: PathRef | undefined; include?: string }
  | { kind: 'postgres'; host: string; port: string; database: string; user: string; password: string }
  /** A MariaDB/MySQL source (added with the CLI): kept as it is; the editor does not change it yet. */
  | { kind: 'mysql'; url: string };

/** postgres://user@host:port/db, without the password. */
export function pgUrl(s: Extract<DraftSource, { kind: 'postgres' }>): string {
  return `postgres://${encodeURIComponent(s.user)}@${s.host}:${s.port || '5432'}/${encodeURIComponent(s.database)}`;
}

/** One source's fields, with a file picker or "Test connection". `storedFor` is the URL a stored password belongs to. */
export function SourceEditor({ source, onChange, onRemove, index, storedFor }: { source: DraftSource; onChange: (s: DraftSource) => void; onRemove: () => void; index: number; storedFor?: string | undefined }) {
  const [test, setTest] = useState<{ ok: boolean; text: string } | null>(null);
  const keeps = source.kind === 'postgres' && storedFor !== undefined && storedFor === pgUrl(source);
  const testConnection = async (): Promise<void> => {
    if (source.kind !== 'postgres') return;
    setTest(null);
    try {
      const r = await call('profile:test-connection', { url: pgUrl(source), ...(source.password ? { password: source.password } : {}) });
      setTest({ ok: true, text: `Connected to "${r.database}" on PostgreSQL ${r.serverVersion}.` });
    } catch (e) {
      const t = errorText(e);
      setTest({ ok: false, text: `${t.message}${t.code ? ` (${t.code})` : ''}` });
    }
  };
  return (
    <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 2, p: 2, display: 'grid', gap: 1.5 }} data-testid={`source-${index}`}>
      <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between' }}>
        <Typography variant="subtitle2">{source.kind === 'sqlite' ? 'SQLite database' : source.kind === 'folder' ? 'Folder' : source.kind === 'mysql' ? 'MariaDB/MySQL database' : 'PostgreSQL database'}</Typography>
        <IconButton aria-label="Remove source" onClick={onRemove} size="small">
          <DeleteIcon fontSize="small" />
        </IconButton>
      </Box>
      {source.kind === 'mysql' && <TextField size="small" label="Connection (edit with the CLI for now)" value={source.url} slotProps={{ input: { readOnly: true } }} />}
      {(source.kind === 'folder' || source.kind === 'sqlite') && (
        <PathField
          size="small"
          label={source.kind === 'sqlite' ? 'Database file' : 'Folder'}
          kind={source.kind}
          empty="Not chosen yet"
          value={source.grant ?? (source.path || null)}
          onChange={(v) => onChange({ ...source, path: v?.displayPath ?? '', grant: v ?? undefined })}
          testId={`source-${index}-path`}
        />
      )}
      {source.kind === 'folder' && (
        <>
          <TextField size="small" label="Include only (one pattern per line, e.g. **/*.pdf; empty: everything)" multiline minRows={1} value={source.include ?? ''} onChange={(e) => onChange({ ...source, include: e.target.value })} slotProps={{ htmlInput: { 'data-testid': `source-${index}-include` } }} />
          <TextField size="small" label="Exclude patterns (one per line, e.g. *.log or node_modules)" multiline minRows={2} value={source.exclude} onChange={(e) => onChange({ ...source, exclude: e.target.value })} />
          <FormControlLabel control={<Switch checked={source.gitignore} onChange={(e) => onChange({ ...source, gitignore: e.target.checked })} />} label="Honour .gitignore files" />
        </>
      )}
      {source.kind === 'postgres' && (
        <>
          <Box sx={{ display: 'grid', gridTemplateColumns: '2fr 1fr', gap: 1 }}>
            <TextField size="small" label="Host" value={source.host} onChange={(e) => onChange({ ...source, host: e.target.value })} slotProps={{ htmlInput: { 'data-testid': `source-${index}-host` } }} />
            <TextField size="small" label="Port" value={source.port} onChange={(e) => onChange({ ...source, port: e.target.value.replace(/\D/g, '') })} slotProps={{ htmlInput: { 'data-testid': `source-${index}-port` } }} />
            <TextField size="small" label="Database" value={source.database} onChange={(e) => onChange({ ...source, database: e.target.value })} slotProps={{ htmlInput: { 'data-testid': `source-${index}-database` } }} />
            <TextField size="small" label="User" value={source.user} onChange={(e) => onChange({ ...source, user: e.target.value })} slotProps={{ htmlInput: { 'data-testid': `source-${index}-user` } }} />
          </Box>
          <TextField
            size="small"
            type="password"
            label="Password (kept encrypted by the OS keychain)"
            value={source.password}
            onChange={(e) => onChange({ ...source, password: e.target.value })}
            helperText={
              source.password
                ? 'Kept for this host, port, database and user only.'
                : keeps
                  ? 'A password is stored for this server; leave empty to keep it.'
                  : 'No password stored for this server (a password is kept only for the host, port, database and user it was entered for): enter it, or use ~/.pgpass.'
            }
            slotProps={{ htmlInput: { 'data-testid': `source-${index}-password` }, formHelperText: { 'data-testid': `source-${index}-password-state` } as object }}
          />
          <Button onClick={() => void testConnection()} sx={{ justifySelf: 'start' }} data-testid={`source-${index}-test`}>
            Test connection
          </Button>
          {test && (
            <Alert severity={test.ok ? 'success' : 'error'} data-testid={`source-${index}-test-result`}>
              {test.text}
            </Alert>
          )}
        </>
      )}
    </Box>
  );
}
