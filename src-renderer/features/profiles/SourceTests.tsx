import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { formatBytes } from '../../../src-shared/domain/format';
import type { SourceSpec } from '../../../src-shared/domain/profile';
import type { BackupEstimateView, PathRef } from '../../../src-shared/ipc/contract';
import { call, errorText } from '../../lib/api';

/**
 * "Test sources": every source checked the way a backup reaches it (paths exist and are readable,
 * databases answer) and measured, before saving. Results are dropped when the sources change.
 */
export function SourceTests({ sources, pathGrants, passwords, existing, disabled }: { sources: SourceSpec[]; pathGrants: PathRef[]; passwords: Record<string, string>; existing: string | null; disabled: boolean }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ key: string; value: BackupEstimateView | null; error: string | null } | null>(null);
  const key = JSON.stringify(sources);
  const run = async (): Promise<void> => {
    setBusy(true);
    try {
      const value = await call('backup:estimate', { sources, pathGrants, passwords, ...(existing ? { existing } : {}) });
      setResult({ key, value, error: null });
    } catch (e) {
      const t = errorText(e);
      setResult({ key, value: null, error: `${t.message}${t.hint ? ` ${t.hint}` : ''}` });
    } finally {
      setBusy(false);
    }
  };
  const shown = result?.key === key ? result : null;
  return (
    <Box sx={{ display: 'grid', gap: 1 }} data-testid="source-tests">
      <Box sx={{ display: 'flex', gap: 1.5, alignItems: 'center' }}>
        <Button variant="outlined" onClick={() => void run()} disabled={disabled || busy} data-testid="test-sources">
          Test sources
        </Button>
        {busy && <CircularProgress size={18} aria-label="Testing the sources" />}
        {shown?.value && (
          <Typography variant="body2" color="text.secondary" data-testid="test-sources-total">
            {shown.value.sources.filter((s) => s.ok).length} of {shown.value.sources.length} reachable · {formatBytes(shown.value.totalBytes)} to read
          </Typography>
        )}
      </Box>
      {shown?.error && <Alert severity="error">{shown.error}</Alert>}
      {shown?.value?.sources.map((s) => (
        <Alert key={s.name} severity={s.ok ? 'success' : 'error'} data-testid={`test-source-${s.name}`} sx={{ py: 0 }}>
          <strong>{s.name}</strong> ({s.kind}) {s.ok ? `${s.bytes !== null ? formatBytes(s.bytes) : 'reachable'}${s.detail ? ` · ${s.detail}` : ''}` : `${s.problem ?? 'problem'}${s.code ? ` (${s.code})` : ''}`}
        </Alert>
      ))}
    </Box>
  );
}
