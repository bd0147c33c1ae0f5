import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import InfoIcon from '@mui/icons-material/InfoOutlined';
import MoreIcon from '@mui/icons-material/MoreVert';
import RestoreIcon from '@mui/icons-material/SettingsBackupRestore';
import type { GridColDef } from '@mui/x-data-grid';
import type { BackupRecord } from '../../../src-shared/domain/backup';
import type { Trigger } from '../../../src-shared/domain/enums';
import { formatBytes, formatDuration } from '../../../src-shared/domain/format';
import { StatusChip } from '../../components/StatusChip';
import type { RemoteCopy } from '../../../src-shared/domain/remote'; // off-site remotes (issue 14)

/** Off-site remote destinations (issue 14): "2 ✓", "FAILED" or "—", each remote's state in the tooltip. */
function OffsiteCell({ copies }: { copies: readonly RemoteCopy[] }): React.JSX.Element {
  if (copies.length === 0)
    return (
      <Typography variant="body2" color="text.secondary" sx={{ display: 'flex', alignItems: 'center', height: '100%' }}>
        —
      </Typography>
    );
  const bad = copies.filter((c) => c.state !== 'VERIFIED');
  return (
    <Tooltip title={copies.map((c) => `${c.remoteId}: ${c.state}${c.reason ? ` (${c.reason})` : ''}`).join('\n')}>
      <Typography variant="body2" color={bad.some((c) => c.state === 'FAILED') ? 'error' : bad.length ? 'text.secondary' : 'success.main'} data-testid="offsite-cell" sx={{ display: 'flex', alignItems: 'center', height: '100%' }}>
        {bad.length === 0 ? `${copies.length} verified` : bad.some((c) => c.state === 'FAILED') ? 'FAILED' : 'pending'}
      </Typography>
    </Tooltip>
  );
}

/** How the Trigger column (and its filter) names each trigger. */
export const TRIGGER_LABELS: Record<Trigger, string> = { MANUAL: 'Manual', SCHEDULED: 'Scheduled', TRAY: 'Tray', PRE_RESTORE_SAFETY: 'Safety', IMPORTED: 'Imported' };

/** 2024-05-01 14:03, local time. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** What a row's Result cell says: the failure reason, the warnings, or the description. */
export function resultText(r: BackupRecord): string {
  // The message names what and where; the code is in the tooltip and in Details.
  if (r.status === 'FAILED') return r.errorMessage ?? r.errorCode ?? 'no reason recorded';
  if (r.warnings.length) return r.warnings.map((w) => w.message).join(' · ');
  return r.description;
}

/** Row actions the columns call. */
export interface RowActions {
  details(r: BackupRecord): void;
  restore(r: BackupRecord): void;
  menu(anchor: HTMLElement, r: BackupRecord): void;
}

/**
 * Columns that fit the width: below `wide` the secondary ones (type, duration, trigger, creator,
 * checksum) are hidden and stay in Details; Result takes what is left; the actions column is
 * always last and always on screen (the table never scrolls sideways at 1024 px and up).
 */
export function historyColumns(a: RowActions, onCopy: (sha: string) => void, offsite?: ReadonlyMap<string, readonly RemoteCopy[]>): GridColDef<BackupRecord>[] {
  return [
    { field: 'createdAt', headerName: 'Date', width: 132, valueFormatter: (v: string) => localTime(v) },
    { field: 'profile', headerName: 'Profile', width: 96, valueFormatter: (v: string | null) => v ?? 'ad hoc' },
    {
      field: 'status',
      headerName: 'Status',
      width: 124,
      renderCell: (p) => <StatusChip status={p.row.status} warnings={p.row.warnings.length} />,
    },
    // Off-site remote destinations (issue 14): where the copies live and whether they checked out.
    ...(offsite ? [{ field: 'offsite', headerName: 'Off-site', width: 96, sortable: false, renderCell: (p: { row: BackupRecord }) => <OffsiteCell copies={offsite.get(p.row.id) ?? []} /> } satisfies GridColDef<BackupRecord>] : []),
    { field: 'size', headerName: 'Size', width: 86, valueFormatter: (v: number | null) => (v === null ? '—' : formatBytes(v)) },
    { field: 'type', headerName: 'Type', width: 72 },
    { field: 'durationMs', headerName: 'Duration', width: 84, valueFormatter: (v: number | null) => (v === null ? '—' : formatDuration(v)) },
    { field: 'trigger', headerName: 'Trigger', width: 92, valueFormatter: (v: Trigger) => TRIGGER_LABELS[v] },
    { field: 'createdBy', headerName: 'Created by', width: 96 },
    {
      field: 'sha256',
      headerName: 'Checksum',
      width: 110,
      sortable: false,
      renderCell: (p) =>
        p.row.sha256 ? (
          <Tooltip title={`${p.row.sha256} (click to copy)`}>
            <Box component="button" tabIndex={p.tabIndex} onClick={() => onCopy(p.row.sha256 ?? '')} sx={{ font: 'inherit', fontFamily: 'monospace', border: 0, background: 'none', color: 'inherit', cursor: 'copy', p: 0 }}>
              {p.row.sha256.slice(0, 12)}
            </Box>
          </Tooltip>
        ) : (
          '—'
        ),
    },
    {
      field: 'result',
      headerName: 'Result / description',
      flex: 1,
      minWidth: 140,
      sortable: false,
      display: 'flex',
      renderCell: (p) => {
        const text = resultText(p.row);
        // A failed row gives both lines to why it failed (the description is in the tooltip and
        // Details); a warned row says why on its first line and keeps its description on the second.
        const described = p.row.status !== 'FAILED' && text !== p.row.description && p.row.description !== '';
        return (
          <Box sx={{ width: '100%', minWidth: 0, overflow: 'hidden', py: 0.5 }} title={`${p.row.errorCode ? `${p.row.errorCode}: ` : ''}${text}${text !== p.row.description && p.row.description ? `\n${p.row.description}` : ''}`}>
            <Typography
              variant="body2"
              color={p.row.status === 'FAILED' ? 'error' : p.row.warnings.length ? 'warning.main' : 'text.primary'}
              // Two lines when alone: a failure reason is a sentence, one line cuts it to nothing.
              sx={{ lineHeight: 1.35, display: '-webkit-box', WebkitLineClamp: described ? 1 : 2, WebkitBoxOrient: 'vertical', overflow: 'hidden', whiteSpace: 'normal', overflowWrap: 'anywhere' }}
              data-testid={p.row.status === 'FAILED' ? 'failure-reason' : undefined}
            >
              {text || '—'}
            </Typography>
            {described && (
              <Typography variant="caption" color="text.secondary" noWrap component="div" sx={{ lineHeight: 1.35 }}>
                {p.row.description}
              </Typography>
            )}
          </Box>
        );
      },
    },
    {
      field: 'actions',
      headerName: 'Actions',
      width: 118,
      sortable: false,
      disableColumnMenu: true,
      // The grid's roving tabIndex (p.tabIndex): a row is one Tab stop; arrow keys reach these buttons.
      renderCell: (p) => (
        <Box sx={{ display: 'flex', alignItems: 'center', height: '100%' }} data-testid="row-action-buttons">
          <Tooltip title={p.row.status === 'COMPLETED' ? 'Restore…' : 'Only a completed backup can be restored'}>
            <span>
              <IconButton size="small" aria-label={`Restore ${p.row.fileName}`} disabled={p.row.status !== 'COMPLETED'} onClick={() => a.restore(p.row)} data-testid="row-restore" tabIndex={p.tabIndex}>
                <RestoreIcon fontSize="small" />
              </IconButton>
            </span>
          </Tooltip>
          <Tooltip title="Details">
            <IconButton size="small" aria-label={`Details of ${p.row.fileName}`} onClick={() => a.details(p.row)} data-testid="row-details" tabIndex={p.tabIndex}>
              <InfoIcon fontSize="small" />
            </IconButton>
          </Tooltip>
          <Tooltip title="Verify, export, delete…">
            <IconButton size="small" aria-label={`More actions for ${p.row.fileName}`} onClick={(e) => a.menu(e.currentTarget, p.row)} data-testid="row-actions" tabIndex={p.tabIndex}>
              <MoreIcon fontSize="small" />
            </IconButton>
          </Tooltip>
        </Box>
      ),
    },
  ];
}

/** Which columns show at a given table width (px): the rest are in Details. */
export function visibleColumns(width: number): Record<string, boolean> {
  return {
    trigger: width >= 900,
    type: width >= 1150,
    durationMs: width >= 1150,
    createdBy: width >= 1300,
    sha256: width >= 1420,
  };
}
