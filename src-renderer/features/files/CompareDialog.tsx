import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import type { BackupRecord } from '../../../src-shared/domain/backup';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format';
import type { ComparisonView, PathListView, SourceComparisonView } from '../../../src-shared/ipc/contract';
import { call, errorText } from '../../lib/api';
import { useQuery } from '../../lib/hooks';

function Paths({ sign, list, label }: { sign: string; list: PathListView; label: string }) {
  if (list.count === 0) return null;
  return (
    <Box>
      <Typography variant="body2" sx={{ fontWeight: 600 }}>
        {label} ({list.count.toLocaleString('en-US')}, {formatBytes(list.bytes)})
      </Typography>
      <Box component="ul" sx={{ m: 0, pl: 0, listStyle: 'none', maxHeight: 140, overflow: 'auto', fontFamily: 'monospace', fontSize: 13 }}>
        {list.paths.map((p) => (
          <li key={p}>
            {sign} {p}
          </li>
        ))}
        {list.count > list.paths.length && <li>… and {(list.count - list.paths.length).toLocaleString('en-US')} more</li>}
      </Box>
    </Box>
  );
}

function SourceResult({ s }: { s: SourceComparisonView }) {
  const where = s.presence === 'only-a' ? ' · only in the earlier backup' : s.presence === 'only-b' ? ' · only in the later backup' : '';
  return (
    <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 2, p: 1.5, display: 'flex', flexDirection: 'column', gap: 1 }} data-testid={`compare-source-${s.source}`}>
      <Typography variant="subtitle2">
        {s.source} <Typography component="span" variant="body2" color="text.secondary">· {s.kind}{where}</Typography>
      </Typography>
      {s.kind === 'folder' ? (
        <>
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
            {/* The outline colours the kind; the text stays at full contrast (the light theme's orange fails it). */}
            <Chip size="small" variant="outlined" sx={{ borderColor: s.added.count ? 'success.main' : undefined, borderWidth: s.added.count ? 2 : 1 }} label={`${s.added.count ? '+' : ''}${s.added.count} added`} />
            <Chip size="small" variant="outlined" sx={{ borderColor: s.removed.count ? 'error.main' : undefined, borderWidth: s.removed.count ? 2 : 1 }} label={`${s.removed.count ? '−' : ''}${s.removed.count} removed`} />
            <Chip size="small" variant="outlined" sx={{ borderColor: s.changed.count ? 'warning.main' : undefined, borderWidth: s.changed.count ? 2 : 1 }} label={`${s.changed.count ? '~' : ''}${s.changed.count} changed`} />
            <Chip size="small" variant="outlined" label={`${s.unchanged} unchanged`} />
          </Box>
          <Paths sign="+" list={s.added} label="Added" />
          <Paths sign="−" list={s.removed} label="Removed" />
          <Paths sign="~" list={s.changed} label="Changed (SHA-256 differs)" />
        </>
      ) : (
        <>
          <Typography variant="body2">The dump is {s.dumpChanged ? 'different' : 'identical'} (SHA-256).</Typography>
          <Table size="small" aria-label={`Rows per table in ${s.source}`}>
            <TableHead>
              <TableRow>
                <TableCell>Table</TableCell>
                <TableCell align="right">Rows before</TableCell>
                <TableCell align="right">Rows after</TableCell>
                <TableCell align="right">Change</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(s.tables ?? []).map((t) => (
                <TableRow key={t.name}>
                  <TableCell>{t.name}</TableCell>
                  <TableCell align="right">{t.rowsA === null ? '—' : t.rowsA.toLocaleString('en-US')}</TableCell>
                  <TableCell align="right">{t.rowsB === null ? '—' : t.rowsB.toLocaleString('en-US')}</TableCell>
                  <TableCell align="right" sx={{ fontWeight: t.delta !== 0 ? 600 : 400 }}>
                    {t.delta > 0 ? `+${t.delta.toLocaleString('en-US')}` : t.delta < 0 ? `−${(-t.delta).toLocaleString('en-US')}` : '0'}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      )}
    </Box>
  );
}

/**
 * "Compare…": this backup against another completed backup of the same profile (the one before it
 * by default). The earlier one is always "before": files added, removed and changed per source,
 * and rows per table for databases.
 */
export function CompareDialog({ record, onClose }: { record: Pick<BackupRecord, 'id' | 'fileName' | 'createdAt' | 'profile'>; onClose: () => void }) {
  const others = useQuery('history:query', { status: 'COMPLETED', limit: 200, ...(record.profile ? { profile: record.profile } : {}) });
  const candidates = (others.data?.rows ?? []).filter((r) => r.id !== record.id && (r.profile ?? null) === (record.profile ?? null));
  const [other, setOther] = useState<string>('');
  const [result, setResult] = useState<ComparisonView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (other || candidates.length === 0) return;
    // Default: the latest backup made before this one, else the nearest after it.
    const before = candidates.find((r) => r.createdAt < record.createdAt);
    setOther((before ?? candidates[candidates.length - 1])?.id ?? '');
  }, [candidates, other, record.createdAt]);

  const compare = async (): Promise<void> => {
    const o = candidates.find((r) => r.id === other);
    if (!o) return;
    setBusy(true);
    setError(null);
    try {
      const [a, b] = o.createdAt < record.createdAt ? [o.id, record.id] : [record.id, o.id];
      setResult(await call('files:compare', { a, b }));
    } catch (e) {
      setError(errorText(e).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth aria-labelledby="compare-title" data-testid="compare-dialog">
      <DialogTitle id="compare-title" sx={{ pb: 1 }}>
        Compare {record.fileName}
        <Typography variant="body2" color="text.secondary">
          {record.profile ? `Profile ${record.profile}` : 'Ad hoc backups'} · made {formatDateTime(record.createdAt)}
        </Typography>
      </DialogTitle>
      <DialogContent dividers sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
          <TextField
            select
            size="small"
            label="Compare with"
            value={candidates.some((c) => c.id === other) ? other : ''}
            onChange={(e) => (setOther(e.target.value), setResult(null))}
            sx={{ minWidth: 360, flexGrow: 1 }}
            slotProps={{ htmlInput: { 'data-testid': 'compare-other' } }}
            disabled={candidates.length === 0}
          >
            {candidates.map((c) => (
              <MenuItem key={c.id} value={c.id}>
                {formatDateTime(c.createdAt)} · {c.fileName}
              </MenuItem>
            ))}
          </TextField>
          <Button variant="contained" disabled={!other || busy} onClick={() => void compare()} data-testid="compare-run">
            {busy ? 'Comparing…' : 'Compare'}
          </Button>
        </Box>
        {others.data && candidates.length === 0 && <Alert severity="info">There is no other completed backup of this profile to compare with yet.</Alert>}
        {error && <Alert severity="error">{error}</Alert>}
        {result && (
          <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }} data-testid="compare-result">
            <Typography variant="body2" color="text.secondary">
              Before: {formatDateTime(result.a.createdAt)} → after: {formatDateTime(result.b.createdAt)}
            </Typography>
            {result.sources.map((s) => (
              <SourceResult key={s.source} s={s} />
            ))}
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
