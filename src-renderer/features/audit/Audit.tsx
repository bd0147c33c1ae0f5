import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { DataGrid, type GridColDef, type GridPaginationModel } from '@mui/x-data-grid';
import { useState } from 'react';
import { AUDIT_OUTCOMES, type AuditOutcome } from '../../../src-shared/domain/enums';
import type { AuditEventView } from '../../../src-shared/ipc/contract';
import { useNotify } from '../../app/notify';
import { call } from '../../lib/api';
import { useQuery } from '../../lib/hooks';

const COLORS: Record<AuditOutcome, string> = { success: 'success.main', failure: 'error.main', info: 'text.secondary' };

/** The audit trail: filters, export to CSV/JSON, and "Verify integrity" of the hash chain. */
export function Audit() {
  const [f, setF] = useState({ action: '', outcome: '' as AuditOutcome | '', actor: '', since: '', until: '', search: '' });
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 50 });
  const [check, setCheck] = useState<{ ok: boolean; text: string } | null>(null);
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
    { field: 'id', headerName: '#', width: 70 },
    { field: 'ts', headerName: 'Time', width: 170, valueFormatter: (v: string) => new Date(v).toLocaleString() },
    { field: 'actor', headerName: 'Actor', width: 100 },
    { field: 'action', headerName: 'Action', width: 170 },
    { field: 'outcome', headerName: 'Outcome', width: 100, renderCell: (p) => <Box sx={{ color: COLORS[p.row.outcome], fontWeight: 600 }}>{p.row.outcome}</Box> },
    { field: 'target', headerName: 'Target', width: 220 },
    {
      field: 'details',
      headerName: 'Details',
      flex: 1,
      minWidth: 160,
      valueGetter: (_v, row) => JSON.stringify(row.details),
      renderCell: (p) => (
        <Tooltip title={JSON.stringify(p.row.details, null, 1)}>
          <span>{JSON.stringify(p.row.details)}</span>
        </Tooltip>
      ),
    },
    { field: 'hash', headerName: 'Hash', width: 120, valueFormatter: (v: string) => v.slice(0, 12), cellClassName: 'mono' },
  ];
  return (
    <Box>
      <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', mb: 2 }}>
        <Typography variant="h4" sx={{ fontWeight: 700 }}>
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
        <TextField size="small" label="Action starts with" value={f.action} onChange={(e) => set({ action: e.target.value })} />
        <TextField select size="small" label="Outcome" value={f.outcome} onChange={(e) => set({ outcome: e.target.value as AuditOutcome | '' })} sx={{ minWidth: 130 }}>
          <MenuItem value="">Any</MenuItem>
          {AUDIT_OUTCOMES.map((o) => (
            <MenuItem key={o} value={o}>
              {o}
            </MenuItem>
          ))}
        </TextField>
        <TextField size="small" label="Actor" value={f.actor} onChange={(e) => set({ actor: e.target.value })} />
        <TextField size="small" type="date" label="From" value={f.since} onChange={(e) => set({ since: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" type="date" label="To" value={f.until} onChange={(e) => set({ until: e.target.value })} slotProps={{ inputLabel: { shrink: true } }} />
        <TextField size="small" label="Search" value={f.search} onChange={(e) => set({ search: e.target.value })} />
      </Box>
      <Box sx={{ height: 'calc(100vh - 230px)', minHeight: 320, '& .mono': { fontFamily: 'monospace' } }}>
        <DataGrid
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
    </Box>
  );
}
