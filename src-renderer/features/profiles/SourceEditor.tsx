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
import { call, errorText } from '../../lib/api';

/** A source being edited; PostgreSQL is split into fields, and its password never joins the URL. */
export type DraftSource =
  | { kind: 'sqlite'; path: string }
  | { kind: 'folder'; path: string; exclude: string; gitignore: boolean }
  | { kind: 'postgres'; host: string; port: string; database: string; user: string; password: string };

/** postgres://user@host:port/db, without the password. */
export function pgUrl(s: Extract<DraftSource, { kind: 'postgres' }>): string {
  return `postgres://${encodeURIComponent(s.user)}@${s.host}:${s.port || '5432'}/${encodeURIComponent(s.database)}`;
}

/** One source's fields, with a file picker or "Test connection". */
export function SourceEditor({ source, onChange, onRemove, index }: { source: DraftSource; onChange: (s: DraftSource) => void; onRemove: () => void; index: number }) {
  const [test, setTest] = useState<{ ok: boolean; text: string } | null>(null);
  const pick = async (kind: 'sqlite' | 'folder'): Promise<void> => {
    const path = await call('dialog:pick-path', { kind }).catch(() => null);
    if (path && source.kind !== 'postgres') onChange({ ...source, path });
  };
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
        <Typography variant="subtitle2">{source.kind === 'sqlite' ? 'SQLite database' : source.kind === 'folder' ? 'Folder' : 'PostgreSQL database'}</Typography>
        <IconButton aria-label="Remove source" onClick={onRemove} size="small">
          <DeleteIcon fontSize="small" />
        </IconButton>
      </Box>
      {source.kind !== 'postgres' && (
        <Box sx={{ display: 'flex', gap: 1 }}>
          <TextField size="small" fullWidth label={source.kind === 'sqlite' ? 'Database file' : 'Folder'} value={source.path} onChange={(e) => onChange({ ...source, path: e.target.value })} slotProps={{ htmlInput: { 'data-testid': `source-${index}-path` } }} />
          <Button onClick={() => void pick(source.kind)}>Browse…</Button>
        </Box>
      )}
      {source.kind === 'folder' && (
        <>
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
          <TextField size="small" type="password" label="Password (kept encrypted by the OS keychain)" value={source.password} onChange={(e) => onChange({ ...source, password: e.target.value })} slotProps={{ htmlInput: { 'data-testid': `source-${index}-password` } }} />
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
