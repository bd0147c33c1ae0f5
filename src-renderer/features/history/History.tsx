import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { DataGrid, type GridPaginationModel, type GridRowParams, type GridSortModel } from '@mui/x-data-grid';
import { useEffect, useRef, useState } from 'react';
import type { BackupRecord } from '../../../src-shared/domain/backup';
import { BACKUP_STATUSES, BACKUP_TYPES, TRIGGERS, type BackupStatus, type BackupType, type Trigger } from '../../../src-shared/domain/enums';
import { HISTORY_SORT_KEYS, type HistorySortKey } from '../../../src-shared/ipc/contract';
import { useActions, type HistoryFocus } from '../../app/actions';
import { useNotify } from '../../app/notify';
import { call } from '../../lib/api';
import { useQuery } from '../../lib/hooks';
import type { RemoteCopy } from '../../../src-shared/domain/remote'; // off-site remotes (issue 14)
import { BackupDetails } from './BackupDetails';
import { CompareDialog } from '../files/CompareDialog';
import { FilesDialog } from '../files/FilesDialog';
import { ConfirmDelete } from './ConfirmDelete';
import { historyColumns, TRIGGER_LABELS, visibleColumns } from './history-columns';

interface Filters {
  status: BackupStatus | '';
  type: BackupType | '';
  trigger: Trigger | '';
  profile: string;
  since: string;
  until: string;
  search: string;
}

const EMPTY: Filters = { status: '', type: '', trigger: '', profile: '', since: '', until: '', search: '' };

function Select<T extends string>({ label, value, options, labels, onChange }: { label: string; value: T | ''; options: readonly T[]; labels?: Partial<Record<T, string>>; onChange: (v: T | '') => void }) {
  return (
    <TextField select size="small" label={label} value={value} onChange={(e) => onChange(e.target.value as T | '')} sx={{ minWidth: 120 }} slotProps={{ htmlInput: { 'data-testid': `filter-${label.toLowerCase()}` } }}>
      <MenuItem value="">Any</MenuItem>
      {options.map((o) => (
        <MenuItem key={o} value={o}>
          {labels?.[o] ?? o}
        </MenuItem>
      ))}
    </TextField>
  );
}

const isSortKey = (f: string): f is HistorySortKey => (HISTORY_SORT_KEYS as readonly string[]).includes(f);

/** The width of an element, followed as the window resizes (the columns adapt to it). */
function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(1200);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(([e]) => e && setWidth(e.contentRect.width));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

/**
 * The history table: filtered, sorted and paginated in the catalog. It fills the window and
 * scrolls inside (the window never does); each row has its actions and its failure reason.
 */
export function History({ focus = null }: { focus?: HistoryFocus | null }) {
  const [filters, setFilters] = useState<Filters>(focus?.profile ? { ...EMPTY, profile: focus.profile } : EMPTY);
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 25 });
  const [sort, setSort] = useState<GridSortModel>([]);
  const [menu, setMenu] = useState<{ anchor: HTMLElement; row: BackupRecord } | null>(null);
  const [details, setDetails] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<BackupRecord | null>(null);
  // File-level restore and comparison (issue 12, item 4).
  const [files, setFiles] = useState<BackupRecord | null>(null);
  const [comparing, setComparing] = useState<BackupRecord | null>(null);
  const [ref, width] = useWidth();
  const actions = useActions();
  const notify = useNotify();
  const profiles = useQuery('profile:list', {});
  const sorted = sort[0] && isSortKey(sort[0].field) ? { sortBy: sort[0].field, sortDir: sort[0].sort ?? 'desc' } : {};
  const query = useQuery('history:query', {
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.type ? { type: filters.type } : {}),
    ...(filters.trigger ? { trigger: filters.trigger } : {}),
    ...(filters.profile ? { profile: filters.profile } : {}),
    ...(filters.since ? { since: new Date(`${filters.since}T00:00:00`).toISOString() } : {}),
    ...(filters.until ? { until: new Date(`${filters.until}T23:59:59.999`).toISOString() } : {}),
    ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
    ...sorted,
    limit: page.pageSize,
    offset: page.page * page.pageSize,
  });
  const set = (patch: Partial<Filters>): void => {
    setFilters((f) => ({ ...f, ...patch }));
    setPage((p) => ({ ...p, page: 0 }));
  };
  const filtered = JSON.stringify(filters) !== JSON.stringify(EMPTY);

  // Off-site remote destinations (issue 14): the copies of this page's rows.
  const copies = useQuery('remote:list-copies', { backupIds: (query.data?.rows ?? []).map((r) => r.id) });
  const offsite = new Map<string, RemoteCopy[]>();
  for (const c of copies.data ?? []) offsite.set(c.backupId, [...(offsite.get(c.backupId) ?? []), c]);
  const columns = historyColumns(
    { details: (r) => setDetails(r.id), restore: (r) => actions.openRestoreWizard({ id: r.id }), menu: (anchor, row) => setMenu({ anchor, row }) },
    (sha) => void navigator.clipboard.writeText(sha).then(() => notify.info('Checksum copied.'), () => notify.info(sha)),
    offsite.size > 0 ? offsite : undefined,
  );

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
    <Box sx={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2, mb: 1.5 }}>
        <Typography variant="h4" sx={{ fontWeight: 700 }}>
          History
        </Typography>
        <Typography variant="body2" color="text.secondary" data-testid="history-count">
          {query.data ? `${query.data.total.toLocaleString()} ${filtered ? 'matching ' : ''}row${query.data.total === 1 ? '' : 's'}: every backup attempt, failed and safety backups included` : ''}
        </Typography>
        {filtered && (
          <Button size="small" onClick={() => set(EMPTY)}>
            Clear filters
          </Button>
        )}
      </Box>
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mb: 1.5 }}>
        <Select label="Status" value={filters.status} options={BACKUP_STATUSES} onChange={(status) => set({ status })} />
        <Select label="Type" value={filters.type} options={BACKUP_TYPES} onChange={(type) => set({ type })} />
        <Select label="Trigger" value={filters.trigger} options={TRIGGERS} labels={TRIGGER_LABELS} onChange={(trigger) => set({ trigger })} />
        <Select label="Profile" value={filters.profile} options={(profiles.data ?? []).map((p) => p.name)} onChange={(profile) => set({ profile })} />
        <TextField size="small" type="date" label="From" value={filters.since} onChange={(e) => set({ since: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} sx={{ width: 150 }} />
        <TextField size="small" type="date" label="To" value={filters.until} onChange={(e) => set({ until: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} sx={{ width: 150 }} />
        <TextField size="small" label="Search" value={filters.search} onChange={(e) => set({ search: e.target.value })} slotProps={{ htmlInput: { 'data-testid': 'filter-search' } }} sx={{ flex: '1 1 160px', minWidth: 160 }} />
      </Box>
      {query.error ? <Alert severity="error">History could not load: {String((query.error as Error).message)}</Alert> : null}
      <Box ref={ref} sx={{ flex: 1, minHeight: 240, minWidth: 0 }} data-testid="history-grid">
        <DataGrid
          rows={query.data?.rows ?? []}
          columns={columns}
          columnVisibilityModel={visibleColumns(width)}
          getRowId={(r) => r.id}
          getRowClassName={(p) => (p.id === focus?.id ? 'lifeboat-focused-row' : '')}
          rowCount={query.data?.total ?? 0}
          loading={!query.data && !query.error}
          paginationMode="server"
          filterMode="server"
          sortingMode="server"
          sortModel={sort}
          onSortModelChange={(m) => (setSort(m), setPage((p) => ({ ...p, page: 0 })))}
          paginationModel={page}
          onPaginationModelChange={setPage}
          pageSizeOptions={[25, 50, 100]}
          disableColumnFilter
          disableRowSelectionOnClick
          onRowDoubleClick={(p: GridRowParams<BackupRecord>) => setDetails(p.row.id)}
          rowHeight={48}
          columnHeaderHeight={44}
          localeText={{ noRowsLabel: filtered ? 'No backups match these filters. Clear them to see every backup.' : 'No backups yet. Use "Back up now" on the Dashboard.' }}
          sx={{ '& .lifeboat-focused-row': { bgcolor: 'action.selected', outline: 2, outlineColor: 'error.main', outlineOffset: -2 } }}
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
        <MenuItem disabled={!completed} onClick={() => (setMenu(null), setFiles(row ?? null))} data-testid="action-restore-files">
          Restore files…
        </MenuItem>
        <MenuItem disabled={!completed} onClick={() => (setMenu(null), setComparing(row ?? null))} data-testid="action-compare">
          Compare…
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
      {details && <BackupDetails id={details} onClose={() => setDetails(null)} onRestoreFiles={(r) => (setDetails(null), setFiles(r))} onCompare={(r) => (setDetails(null), setComparing(r))} />}
      {files && <FilesDialog record={files} onClose={() => setFiles(null)} />}
      {comparing && <CompareDialog record={comparing} onClose={() => setComparing(null)} />}
      {deleting && <ConfirmDelete record={deleting} onClose={() => setDeleting(null)} />}
    </Box>
  );
}
