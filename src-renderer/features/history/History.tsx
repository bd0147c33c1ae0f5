import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import MoreIcon from '@mui/icons-material/MoreVert';
import { DataGrid, type GridColDef, type GridPaginationModel, type GridRowParams } from '@mui/x-data-grid';
import { useState } from 'react';
import type { BackupRecord } from '../../../src-shared/domain/backup';
import { BACKUP_STATUSES, BACKUP_TYPES, TRIGGERS, type BackupStatus, type BackupType, type Trigger } from '../../../src-shared/domain/enums';
import { formatBytes, formatDuration } from '../../../src-shared/domain/format';
import { useActions } from '../../app/actions';
import { useNotify } from '../../app/notify';
import { StatusChip } from '../../components/StatusChip';
import { call } from '../../lib/api';
import { useQuery } from '../../lib/hooks';
import { BackupDetails } from './BackupDetails';
import { ConfirmDelete } from './ConfirmDelete';

interface Filters {
  status: BackupStatus | '';
  type: BackupType | '';
  trigger: Trigger | '';
  profile: string;
  since: string;
  until: string;
  search: string;
}

const TRIGGER_LABELS: Record<Trigger, string> = { MANUAL: 'Manual', SCHEDULED: 'Scheduled', TRAY: 'Tray', PRE_RESTORE_SAFETY: 'Safety', IMPORTED: 'Imported' };

function localTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const EMPTY: Filters = { status: '', type: '', trigger: '', profile: '', since: '', until: '', search: '' };

function Select<T extends string>({ label, value, options, onChange }: { label: string; value: T | ''; options: readonly T[]; onChange: (v: T | '') => void }) {
  return (
    <TextField select size="small" label={label} value={value} onChange={(e) => onChange(e.target.value as T | '')} sx={{ minWidth: 150 }} slotProps={{ htmlInput: { 'data-testid': `filter-${label.toLowerCase()}` } }}>
      <MenuItem value="">Any</MenuItem>
      {options.map((o) => (
        <MenuItem key={o} value={o}>
          {o}
        </MenuItem>
      ))}
    </TextField>
  );
}

/** The history table: filtered and paginated in the catalog, with row actions. */
export function History() {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 25 });
  const [menu, setMenu] = useState<{ anchor: HTMLElement; row: BackupRecord } | null>(null);
  const [details, setDetails] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<BackupRecord | null>(null);
  const actions = useActions();
  const notify = useNotify();
  const profiles = useQuery('profile:list', {});
  const query = useQuery('history:query', {
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.type ? { type: filters.type } : {}),
    ...(filters.trigger ? { trigger: filters.trigger } : {}),
    ...(filters.profile ? { profile: filters.profile } : {}),
    ...(filters.since ? { since: new Date(`${filters.since}T00:00:00`).toISOString() } : {}),
    ...(filters.until ? { until: new Date(`${filters.until}T23:59:59.999`).toISOString() } : {}),
    ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
    limit: page.pageSize,
    offset: page.page * page.pageSize,
  });
  const set = (patch: Partial<Filters>): void => {
    setFilters((f) => ({ ...f, ...patch }));
    setPage((p) => ({ ...p, page: 0 }));
  };

  const columns: GridColDef<BackupRecord>[] = [
    { field: 'createdAt', headerName: 'Date', width: 140, valueFormatter: (v: string) => localTime(v) },
    { field: 'profile', headerName: 'Profile', width: 90, valueFormatter: (v: string | null) => v ?? '—' },
    { field: 'type', headerName: 'Type', width: 80 },
    { field: 'size', headerName: 'Size', width: 90, valueFormatter: (v: number | null) => (v === null ? '—' : formatBytes(v)) },
    { field: 'durationMs', headerName: 'Duration', width: 90, valueFormatter: (v: number | null) => (v === null ? '—' : formatDuration(v)) },
    {
      field: 'status',
      headerName: 'Status',
      width: 130,
      renderCell: (p) => (
        <Tooltip title={p.row.errorMessage ?? p.row.warnings.map((w) => w.message).join(' ') ?? ''}>
          <span>
            <StatusChip status={p.row.status} warnings={p.row.warnings.length} />
          </span>
        </Tooltip>
      ),
    },
    { field: 'trigger', headerName: 'Trigger', width: 100, valueFormatter: (v: Trigger) => TRIGGER_LABELS[v] },
    { field: 'createdBy', headerName: 'Created by', width: 90 },
    {
      field: 'sha256',
      headerName: 'Checksum',
      width: 110,
      renderCell: (p) =>
        p.row.sha256 ? (
          <Tooltip title={`${p.row.sha256} (click to copy)`}>
            <Box
              component="button"
              onClick={() => void navigator.clipboard.writeText(p.row.sha256 ?? '').then(() => notify.info('Checksum copied.'), () => notify.info(p.row.sha256 ?? ''))}
              sx={{ font: 'inherit', fontFamily: 'monospace', border: 0, background: 'none', color: 'inherit', cursor: 'copy', p: 0 }}
            >
              {p.row.sha256.slice(0, 12)}
            </Box>
          </Tooltip>
        ) : (
          '—'
        ),
    },
    { field: 'description', headerName: 'Description', flex: 1, minWidth: 100 },
    {
      field: 'actions',
      headerName: '',
      width: 52,
      sortable: false,
      renderCell: (p) => (
        <IconButton aria-label={`Actions for ${p.row.fileName}`} onClick={(e) => setMenu({ anchor: e.currentTarget, row: p.row })} data-testid="row-actions">
          <MoreIcon />
        </IconButton>
      ),
    },
  ];

  const run = async (what: string, f: () => Promise<string>): Promise<void> => {
    try {
      notify.success(await f());
    } catch (e) {
      notify.failure(e, what);
    }
  };
  const row = menu?.row;
  const completed = row?.status === 'COMPLETED';

  return (
    <Box>
      <Typography variant="h4" sx={{ fontWeight: 700, mb: 2 }}>
        History
      </Typography>
      <Box sx={{ display: 'flex', gap: 1.5, flexWrap: 'wrap', mb: 2 }}>
        <Select label="Status" value={filters.status} options={BACKUP_STATUSES} onChange={(status) => set({ status })} />
        <Select label="Type" value={filters.type} options={BACKUP_TYPES} onChange={(type) => set({ type })} />
        <Select label="Trigger" value={filters.trigger} options={TRIGGERS} onChange={(trigger) => set({ trigger })} />
        <Select label="Profile" value={filters.profile} options={(profiles.data ?? []).map((p) => p.name)} onChange={(profile) => set({ profile })} />
        <TextField size="small" type="date" label="From" value={filters.since} onChange={(e) => set({ since: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" type="date" label="To" value={filters.until} onChange={(e) => set({ until: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" label="Search" value={filters.search} onChange={(e) => set({ search: e.target.value })} slotProps={{ htmlInput: { 'data-testid': 'filter-search' } }} sx={{ minWidth: 220 }} />
      </Box>
      <Box sx={{ height: 'calc(100vh - 190px)', minHeight: 360 }}>
        <DataGrid
          rows={query.data?.rows ?? []}
          columns={columns}
          getRowId={(r) => r.id}
          rowCount={query.data?.total ?? 0}
          loading={!query.data && !query.error}
          paginationMode="server"
          filterMode="server"
          paginationModel={page}
          onPaginationModelChange={setPage}
          pageSizeOptions={[25, 50, 100]}
          disableColumnFilter
          disableColumnSorting
          disableRowSelectionOnClick
          onRowDoubleClick={(p: GridRowParams<BackupRecord>) => setDetails(p.row.id)}
          density="compact"
          localeText={{ noRowsLabel: 'No backups match these filters.' }}
        />
      </Box>
      <Menu anchorEl={menu?.anchor} open={menu !== null} onClose={() => setMenu(null)}>
        <MenuItem onClick={() => (setDetails(row?.id ?? null), setMenu(null))}>Details</MenuItem>
        <MenuItem disabled={!completed} onClick={() => (setMenu(null), void run('Verify', async () => {
          const r = await call('backup:verify', { id: row?.id ?? '' });
          if (!r.ok) throw new Error(`Verification failed: ${r.problems[0]?.path}: ${r.problems[0]?.problem}`);
          return `Verified: every entry matches (sha256 ${r.sha256.slice(0, 12)}…).`;
        }))}>
          Verify
        </MenuItem>
        <MenuItem disabled={!completed} onClick={() => (setMenu(null), row && actions.openRestoreWizard({ id: row.id }))} data-testid="action-restore">
          Restore…
        </MenuItem>
        <MenuItem onClick={() => (setMenu(null), void run('Show in folder', async () => (await call('backup:show-in-folder', { id: row?.id ?? '' }), 'Opened the folder.')))}>Show in folder</MenuItem>
        <MenuItem disabled={!completed} onClick={() => (setMenu(null), void run('Export', async () => {
          const r = await call('backup:export', { id: row?.id ?? '' });
          return r ? `Exported a verified copy to ${r.path}` : 'Export cancelled.';
        }))}>
          Export a copy…
        </MenuItem>
        <MenuItem onClick={() => (setMenu(null), void run('Receipt', async () => {
          const r = await call('backup:save-receipt', { id: row?.id ?? '' });
          return r ? `Receipt saved to ${r.path}` : 'Receipt not saved.';
        }))}>
          Save receipt…
        </MenuItem>
        <MenuItem onClick={() => (setMenu(null), setDeleting(row ?? null))} sx={{ color: 'error.main' }}>
          Delete…
        </MenuItem>
      </Menu>
      {details && <BackupDetails id={details} onClose={() => setDetails(null)} />}
      {deleting && <ConfirmDelete record={deleting} onClose={() => setDeleting(null)} />}
    </Box>
  );
}
