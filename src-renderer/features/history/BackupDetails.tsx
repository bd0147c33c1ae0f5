import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ManifestSource } from '../../../src-shared/manifest/schema';
import { formatBytes, formatDateTime, formatDuration } from '../../../src-shared/domain/format';
import { useActions } from '../../app/actions';
import { StatusChip } from '../../components/StatusChip';
import { useQuery } from '../../lib/hooks';
import { FileTree } from './FileTree';
import { TRIGGER_LABELS } from './history-columns';
import type { BackupRecord } from '../../../src-shared/domain/backup';
import { RunLogView } from './RunLogView';

function sourceFacts(s: ManifestSource): { what: string; detail: string } {
  switch (s.kind) {
    case 'sqlite':
      return { what: `${s.totalRows.toLocaleString()} rows in ${s.tables.length} tables`, detail: `SQLite ${s.sqliteVersion}, ${s.journalMode}, integrity ${s.integrityCheck} · ${s.path}` };
    case 'postgres':
      return { what: `${s.totalRows.toLocaleString()} rows in ${s.tables.length} tables`, detail: `PostgreSQL ${s.serverVersion}, pg_dump ${s.pgDumpVersion} · ${s.url}` };
    case 'mysql':
      return { what: `${s.totalRows.toLocaleString()} rows in ${s.tables.length} tables`, detail: `MariaDB/MySQL ${s.serverVersion}, ${s.dumpToolVersion} · ${s.url}` };
    case 'folder':
      return { what: `${s.files.toLocaleString()} files, ${formatBytes(s.bytes)}`, detail: `${s.path}${s.skipped.length ? ` · ${s.skipped.length} skipped` : ''}` };
  }
}

/** One backup: catalog facts, sources with row counts and versions, the file tree, the file types. */
export function BackupDetails({ id, onClose, onRestoreFiles, onCompare }: { id: string; onClose: () => void; onRestoreFiles?: (r: BackupRecord) => void; onCompare?: (r: BackupRecord) => void }) {
  const q = useQuery('backup:get-details', { id });
  const actions = useActions();
  const r = q.data?.record;
  const m = q.data?.manifest;
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth>
      <DialogTitle sx={{ display: 'flex', alignItems: 'center', gap: 1.5 }}>
        <Box sx={{ flexGrow: 1, minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis' }}>{r?.fileName ?? 'Backup'}</Box>
        {r && <StatusChip status={r.status} warnings={r.warnings.length} />}
      </DialogTitle>
      <DialogContent dividers>
        {q.error ? <Alert severity="error">{(q.error as Error).message}</Alert> : null}
        {r && (
          <Box sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.5, mb: 2 }}>
            {[
              ['Created', `${formatDateTime(r.createdAt)} by ${r.createdBy} on ${r.host}`],
              ['Description', r.description || '—'],
              ['Trigger', `${TRIGGER_LABELS[r.trigger]}${r.profile ? ` · profile ${r.profile}` : ''}`],
              ['Type', `${r.type} · ${r.format}`],
              ['Size', r.size !== null ? `${formatBytes(r.size)} in ${formatDuration(r.durationMs ?? 0)}` : '—'],
              ['SHA-256', r.sha256 ?? '—'],
              ['Verified', r.verifiedAt ? formatDateTime(r.verifiedAt) : 'not yet'],
              ['Path', r.path],
            ].map(([k, v]) => (
              <Box key={k} sx={{ display: 'contents' }}>
                <Typography variant="body2" color="text.secondary">
                  {k}
                </Typography>
                <Typography variant="body2" sx={{ wordBreak: 'break-all', fontFamily: k === 'SHA-256' ? 'monospace' : undefined }}>
                  {v}
                </Typography>
              </Box>
            ))}
          </Box>
        )}
        {r?.errorMessage && <Alert severity="error" sx={{ mb: 2 }}>{`${r.errorCode ?? ''}: ${r.errorMessage}`}</Alert>}
        {r?.warnings.map((w) => (
          <Alert key={w.code + w.message} severity="warning" sx={{ mb: 1 }}>
            {w.message}
          </Alert>
        ))}
        {r && <RunLogView id={r.id} />}
        {m && (
          <>
            <Typography variant="subtitle1" sx={{ fontWeight: 600, mt: 1 }}>
              Sources
            </Typography>
            <Table size="small" sx={{ mb: 2 }}>
              <TableHead>
                <TableRow>
                  <TableCell>Name</TableCell>
                  <TableCell>Kind</TableCell>
                  <TableCell>Contents</TableCell>
                  <TableCell>Details</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {m.sources.map((s) => (
                  <TableRow key={s.name}>
                    <TableCell>{s.name}</TableCell>
                    <TableCell>{s.kind}</TableCell>
                    <TableCell>{sourceFacts(s).what}</TableCell>
                    <TableCell sx={{ wordBreak: 'break-all' }}>{sourceFacts(s).detail}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Box sx={{ display: 'grid', gridTemplateColumns: '2fr 1fr', gap: 2 }}>
              <Box>
                <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
                  Files ({m.entries.length.toLocaleString()} entries)
                </Typography>
                <FileTree entries={m.entries} />
              </Box>
              <Box>
                <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
                  File types
                </Typography>
                <Table size="small">
                  <TableBody>
                    {m.fileTypes.slice(0, 12).map((t) => (
                      <TableRow key={t.ext}>
                        <TableCell>{t.ext || '(none)'}</TableCell>
                        <TableCell align="right">{t.count}</TableCell>
                        <TableCell align="right">{formatBytes(t.bytes)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </Box>
            </Box>
          </>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
        {/* File-level restore and comparison (issue 12, item 4). */}
        {onCompare && <Button disabled={r?.status !== 'COMPLETED'} onClick={() => r && onCompare(r)} data-testid="details-compare">Compare…</Button>}
        {onRestoreFiles && <Button disabled={r?.status !== 'COMPLETED'} onClick={() => r && onRestoreFiles(r)} data-testid="details-restore-files">Restore files…</Button>}
        <Button variant="contained" disabled={r?.status !== 'COMPLETED'} onClick={() => (onClose(), r && actions.openRestoreWizard({ id: r.id }))}>
          Restore…
        </Button>
      </DialogActions>
    </Dialog>
  );
}
