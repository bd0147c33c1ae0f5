import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format';
import type { Freshness, ProfileHealth } from '../../../src-shared/ipc/contract';
import { useActions } from '../../app/actions';
import { StatusChip } from '../../components/StatusChip';

/** "5 min ago", "3 h ago", "4 days ago". */
export function age(iso: string): string {
  const minutes = Math.round((Date.now() - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}

/** The app's one date and time format (24-hour, with the zone), to the minute. */
export function when(iso: string): string {
  return formatDateTime(iso, { seconds: false });
}

const FRESHNESS: Record<Freshness, { color: 'success' | 'warning' | 'error' | 'default'; label: string; why: string }> = {
  fresh: { color: 'success', label: 'fresh', why: 'covers the newest scheduled run' },
  due: { color: 'warning', label: 'due', why: 'a scheduled run passed less than an hour ago and has not succeeded yet' },
  overdue: { color: 'error', label: 'overdue', why: 'a scheduled run passed more than an hour ago without a successful backup' },
  unscheduled: { color: 'default', label: 'no schedule', why: 'no schedule to judge by: back it up by hand or give it a schedule' },
  never: { color: 'error', label: 'never', why: 'scheduled, and no backup of it has ever succeeded' },
};

function trend(h: ProfileHealth): string {
  if (h.sizeLast === null) return '—';
  if (h.sizePrevious === null || h.sizePrevious === 0) return formatBytes(h.sizeLast);
  const pct = Math.round(((h.sizeLast - h.sizePrevious) / h.sizePrevious) * 100);
  return `${formatBytes(h.sizeLast)} ${pct === 0 ? '=' : pct > 0 ? `▲ ${pct}%` : `▼ ${-pct}%`}`;
}

/** The per-profile health table: is each profile's data safe right now, and if not, why. */
export function HealthTable({ rows }: { rows: readonly ProfileHealth[] }) {
  const actions = useActions();
  return (
    <Box sx={{ overflowX: 'auto' }}>
      <Table size="small" data-testid="health-table" sx={{ '& td, & th': { px: 1 } }}>
        <TableHead>
          <TableRow>
            <TableCell>Profile</TableCell>
            <TableCell>Last successful backup</TableCell>
            <TableCell>Last result</TableCell>
            <TableCell align="right">Failures in a row</TableCell>
            <TableCell>Next run</TableCell>
            <TableCell>Size (vs previous)</TableCell>
            <TableCell>Free at destination</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((h) => {
            const f = FRESHNESS[h.freshness];
            return (
              <TableRow key={h.profile} data-testid={`health-${h.profile}`}>
                <TableCell sx={{ fontWeight: 600 }}>{h.profile}</TableCell>
                <TableCell>
                  <Chip size="small" variant="outlined" color={f.color} label={`${h.lastSuccessAt ? age(h.lastSuccessAt) : 'none'} · ${f.label}`} data-testid="health-freshness" />
                  {/* What a tooltip used to hide, as text: keyboard and screen-reader users read it too. */}
                  <Typography variant="caption" color="text.secondary" component="div">
                    {h.lastSuccessAt ? when(h.lastSuccessAt) : 'no successful backup'}
                  </Typography>
                </TableCell>
                <TableCell>
                  {h.lastRun ? (
                    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, minWidth: 0 }}>
                      <StatusChip status={h.lastRun.status} />
                      {h.lastRun.status === 'FAILED' && (
                        <Box sx={{ minWidth: 0 }}>
                          <Link component="button" variant="body2" color="error" onClick={() => actions.showInHistory({ id: h.lastRun?.id ?? '', profile: h.profile })} sx={{ textAlign: 'left' }}>
                            {h.lastRun.errorCode ?? 'see History'}
                          </Link>
                          {/* The reason in the row, not in a tooltip a keyboard cannot open. */}
                          <Typography variant="caption" color="text.secondary" component="div" data-testid="health-error" sx={{ maxWidth: 280, overflowWrap: 'anywhere' }}>
                            {h.lastRun.errorMessage ?? 'no reason recorded'}
                          </Typography>
                        </Box>
                      )}
                    </Box>
                  ) : (
                    <Typography variant="body2" color="text.secondary">
                      never run
                    </Typography>
                  )}
                </TableCell>
                <TableCell align="right" data-testid="health-failures">
                  <Typography variant="body2" color={h.consecutiveFailures ? 'error' : 'text.primary'} sx={{ fontWeight: h.consecutiveFailures ? 700 : 400 }}>
                    {h.consecutiveFailures}
                  </Typography>
                </TableCell>
                <TableCell>{h.nextRunAt ? when(h.nextRunAt) : <Typography variant="body2" color="text.secondary">not scheduled</Typography>}</TableCell>
                <TableCell>{trend(h)}</TableCell>
                <TableCell>
                  <span>{h.freeBytes === null ? 'unknown' : formatBytes(h.freeBytes)}</span>
                  <Typography variant="caption" color="text.secondary" component="div" sx={{ maxWidth: 220, overflowWrap: 'anywhere' }}>
                    {h.freeProblem ?? h.destination}
                  </Typography>
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Box>
  );
}
