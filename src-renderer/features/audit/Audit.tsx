import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { DataGrid, type GridColDef, type GridPaginationModel } from '@mui/x-data-grid';
import { formatDateTime } from '../../../src-shared/domain/format';
import { useState } from 'react';
import { AUDIT_EVENT_NAMES, AUDIT_EVENTS } from '../../../src-shared/domain/audit-events';
import { AUDIT_OUTCOMES, type AuditOutcome } from '../../../src-shared/domain/enums';
import type { AuditEventView } from '../../../src-shared/ipc/contract';
import { useNotify } from '../../app/notify';
import { call } from '../../lib/api';
import { useQuery } from '../../lib/hooks';
import { AuditDrawer } from './AuditDrawer';
import { OUTCOME_COLORS } from './outcome';

/** The event filter's choices: each domain (`backup.` matches every backup event), then each event. */
const DOMAINS = [...new Set(AUDIT_EVENT_NAMES.map((n) => n.split('.')[0] ?? n))];

/** The details as one line for the table: `key: value` pairs, the drawer shows them in full. */
function detailLine(details: Readonly<Record<string, unknown>>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

/** The audit trail: filters, export to CSV/JSON, and "Verify integrity" of the hash chain. */
export function Audit() {
  const [f, setF] = useState({ action: '', outcome: '' as AuditOutcome | '', actor: '', since: '', until: '', search: '' });
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 50 });
  const [check, setCheck] = useState<{ ok: boolean; text: string } | null>(null);
  const [open, setOpen] = useState<AuditEventView | null>(null);
  const notify = useNotify();
  const q = useQuery('audit:query', {
    ...(f.action ? { action: f.action } : {}),
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(f.actor ? { actor: f.actor } : {}),
    ...(f.since ? { since: new Date(`${f.since}T00:00:00`).toISOString() } : {}),
    ...(f.until ? { until: new Date(`${f.until}T23:59:59.999`).toISOString() } : {}),
    ...(f.search.trim() ? { search: f.search.trim() } : {}),
    limit: page.pageSize,
    offset: page.page * page.pageSize,
  });
  const set = (patch: Partial<typeof f>): void => {
    setF((x) => ({ ...x, ...patch }));
    setPage((p) => ({ ...p, page: 0 }));
  };
  const verify = async (): Promise<void> => {
    try {
      const r = await call('audit:verify', {});
      setCheck(r.ok ? { ok: true, text: `Intact: ${r.checked} events, every hash in the chain verified.` } : { ok: false, text: `Tampered: event #${r.problem?.id} — ${r.problem?.reason}. The ${r.checked} events before it are intact.` });
    } catch (e) {
      notify.failure(e, 'Verify');
    }
  };
  const exportAs = async (format: 'csv' | 'json'): Promise<void> => {
    try {
      const r = await call('audit:export', { format });
      if (r) notify.success(`Exported ${r.events} events to ${r.path}`);
    } catch (e) {
      notify.failure(e, 'Export');
    }
  };
  const columns: GridColDef<AuditEventView>[] = [
    { field: 'id', headerName: '#', width: 56 },
    { field: 'ts', headerName: 'Time', width: 190, valueFormatter: (v: string) => formatDateTime(v) },
    { field: 'actor', headerName: 'Who', width: 90 },
    {
      field: 'label',
      headerName: 'Event',
      width: 230,
      renderCell: (p) => (
        <Box sx={{ lineHeight: 1.3, py: 0.5, overflow: 'hidden', textOverflow: 'ellipsis' }}>
          <div>{p.row.label}</div>
          <Box component="div" sx={{ color: 'text.secondary', fontSize: 12, fontFamily: 'monospace' }}>
            {p.row.action}
          </Box>
        </Box>
      ),
    },
    { field: 'outcome', headerName: 'Outcome', width: 90, renderCell: (p) => <Box sx={{ color: OUTCOME_COLORS[p.row.outcome], fontWeight: 700 }}>{p.row.outcome}</Box> },
    { field: 'targetLabel', headerName: 'Target', flex: 1.4, minWidth: 200 },
    { field: 'details', headerName: 'Details', flex: 1, minWidth: 160, valueGetter: (_v, row) => detailLine(row.details) },
  ];
  const filtered = Object.values(f).some((v) => v !== '');
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: 1, mb: 2 }}>
        <Typography variant="h4" component="h1" sx={{ fontWeight: 700 }}>
          Audit trail
        </Typography>
        <Box sx={{ display: 'flex', gap: 1 }}>
          <Button onClick={() => void exportAs('csv')}>Export CSV</Button>
          <Button onClick={() => void exportAs('json')}>Export JSON</Button>
          <Button variant="contained" onClick={() => void verify()} data-testid="audit-verify">
            Verify integrity
          </Button>
        </Box>
      </Box>
      {check && (
        <Alert severity={check.ok ? 'success' : 'error'} sx={{ mb: 2 }} data-testid="audit-verify-result" onClose={() => setCheck(null)}>
          {check.text}
        </Alert>
      )}
      <Box sx={{ display: 'flex', gap: 1.5, flexWrap: 'wrap', mb: 2 }}>
        <TextField select size="small" label="Event" value={f.action} onChange={(e) => set({ action: e.target.value })} sx={{ minWidth: 220 }} slotProps={{ htmlInput: { 'data-testid': 'audit-event-filter' } }}>
          <MenuItem value="">Any event</MenuItem>
          {DOMAINS.map((d) => [
            <MenuItem key={d} value={`${d}.`} sx={{ fontWeight: 600 }}>
              {`Every ${d} event`}
            </MenuItem>,
            ...AUDIT_EVENT_NAMES.filter((n) => n.startsWith(`${d}.`)).map((n) => (
              <MenuItem key={n} value={n} sx={{ pl: 4 }}>
                {AUDIT_EVENTS[n].label}
              </MenuItem>
            )),
          ])}
        </TextField>
        <TextField select size="small" label="Outcome" value={f.outcome} onChange={(e) => set({ outcome: e.target.value as AuditOutcome | '' })} sx={{ minWidth: 130 }}>
          <MenuItem value="">Any</MenuItem>
          {AUDIT_OUTCOMES.map((o) => (
            <MenuItem key={o} value={o}>
              {o}
            </MenuItem>
          ))}
        </TextField>
        <TextField size="small" label="Who" value={f.actor} onChange={(e) => set({ actor: e.target.value })} sx={{ width: 120 }} />
        <TextField size="small" type="date" label="From" value={f.since} onChange={(e) => set({ since: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" type="date" label="To" value={f.until} onChange={(e) => set({ until: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" label="Search" value={f.search} onChange={(e) => set({ search: e.target.value })} sx={{ flex: 1, minWidth: 160 }} />
      </Box>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        Click a row, or press Enter on it, to see the event in full.
      </Typography>
      <Box sx={{ flex: 1, minHeight: 320, '& .MuiDataGrid-row': { cursor: 'pointer' } }}>
        <DataGrid
          aria-label="Audit events"
          rowHeight={56}
          onRowClick={(p) => setOpen(p.row as AuditEventView)}
          onCellKeyDown={(p, e) => {
            if (e.key === 'Enter') setOpen(p.row as AuditEventView);
          }}
          slots={{
            noRowsOverlay: () => (
              <Box sx={{ display: 'grid', placeItems: 'center', height: '100%', p: 3, textAlign: 'center', color: 'text.secondary' }} data-testid="audit-empty">
                {filtered
                  ? 'No event matches these filters. Clear a filter (or widen the dates) to see more.'
                  : 'Nothing recorded yet. Every backup, restore, profile change and settings change is recorded here, chained by hash: run a backup to see the first events.'}
              </Box>
            ),
          }}
          rows={q.data?.rows ?? []}
          columns={columns}
          rowCount={q.data?.total ?? 0}
          paginationMode="server"
          paginationModel={page}
          onPaginationModelChange={setPage}
          pageSizeOptions={[50, 100, 200]}
          disableColumnFilter
          disableColumnSorting
          disableRowSelectionOnClick
          density="compact"
          loading={!q.data && !q.error}
        />
      </Box>
      <AuditDrawer event={open} onClose={() => setOpen(null)} />
    </Box>
  );
}
