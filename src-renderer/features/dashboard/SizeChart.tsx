import Box from '@mui/material/Box';
import { useTheme } from '@mui/material/styles';
import Typography from '@mui/material/Typography';
import { formatBytes, formatDateTime, formatDuration } from '../../../src-shared/domain/format';

interface Point {
  readonly createdAt: string;
  readonly size: number;
  readonly durationMs: number;
  readonly status: string;
}

const W = 720;
const H = 220;
// Room for the size labels on the left, the duration labels on the right, the dates below.
const LEFT = 72;
const RIGHT = 64;
const TOP = 16;
const BOTTOM = 40;

/** "2026-11-30 14:05" → the date, and the time when several points share a day. */
function dateLabel(iso: string, withTime: boolean): string {
  const full = formatDateTime(iso, { seconds: false });
  return withTime ? full.slice(5, 16) : full.slice(0, 10);
}

/**
 * Backup size (bars, left axis) and duration (line, right axis) over time, oldest on the left,
 * with dates under the bars. A failed run has no archive, so it is drawn as a red ✕ on a red band
 * across the plot, not as a bar of zero height that reads as "an empty backup".
 */
export function SizeChart({ points }: { points: readonly Point[] }) {
  const theme = useTheme();
  const data = [...points].reverse();
  if (data.length === 0) {
    return (
      <Typography variant="body2" color="text.secondary" data-testid="chart-empty">
        No backups yet. The chart shows each backup's size and duration once you run one: press “Back up now”.
      </Typography>
    );
  }
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const bottom = TOP + plotH;
  const maxSize = Math.max(1, ...data.map((p) => p.size));
  const maxDur = Math.max(1, ...data.map((p) => p.durationMs));
  // Bars stay slim when there are few backups, so one backup does not fill the chart.
  const step = Math.min(plotW / data.length, 48);
  const x = (i: number): number => LEFT + step * i + step / 2;
  const failed = data.filter((p) => p.status === 'FAILED').length;
  const line = data
    .map((p, i) => (p.status === 'FAILED' ? null : `${x(i)},${bottom - (plotH * p.durationMs) / maxDur}`))
    .filter((s): s is string => s !== null)
    .join(' ');
  const first = data[0];
  const last = data[data.length - 1];
  // Within a few days, dates alone would repeat under every label: show the time too.
  const withTime = Boolean(first && last && new Date(last.createdAt).getTime() - new Date(first.createdAt).getTime() < 4 * 86_400_000);
  // Labels at least ~100 px apart, always the first and the last (the one before the last gives way).
  const every = Math.max(1, Math.ceil(100 / step));
  const ticks = data.map((p, i) => ({ p, i })).filter(({ i }) => i === data.length - 1 || (i % every === 0 && data.length - 1 - i >= every));
  const fraction = [0, 0.5, 1];
  const muted = theme.palette.text.secondary;
  const summary = `${data.length} backups from ${first ? formatDateTime(first.createdAt, { seconds: false }) : ''} to ${last ? formatDateTime(last.createdAt, { seconds: false }) : ''}; ${failed} failed; largest ${formatBytes(maxSize)}, longest ${formatDuration(maxDur)}.`;
  return (
    <Box data-testid="size-chart">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={`Backup size and duration over time: ${summary}`}>
        {fraction.map((f) => {
          const y = bottom - plotH * f;
          return (
            <g key={f}>
              <line x1={LEFT} y1={y} x2={W - RIGHT} y2={y} stroke={theme.palette.divider} strokeDasharray={f === 0 ? undefined : '3 3'} />
              <text x={LEFT - 6} y={y + 4} fontSize={11} textAnchor="end" fill={muted}>
                {formatBytes(Math.round(maxSize * f))}
              </text>
              <text x={W - RIGHT + 6} y={y + 4} fontSize={11} fill={muted}>
                {formatDuration(maxDur * f)}
              </text>
            </g>
          );
        })}
        {data.map((p, i) => {
          if (p.status === 'FAILED') {
            return (
              <g key={p.createdAt + String(i)} data-testid="chart-failed">
                <rect x={LEFT + step * i + step * 0.1} y={TOP} width={step * 0.8} height={plotH} fill={theme.palette.error.main} opacity={0.15} />
                <text x={x(i)} y={bottom - 4} fontSize={Math.min(16, step)} fontWeight={700} textAnchor="middle" fill={theme.palette.error.main}>
                  ✕
                </text>
                <title>{`${formatDateTime(p.createdAt)}: failed, no archive kept`}</title>
              </g>
            );
          }
          const bh = (plotH * p.size) / maxSize;
          return (
            <rect key={p.createdAt + String(i)} x={LEFT + step * i + step * 0.15} y={bottom - bh} width={step * 0.7} height={Math.max(bh, 1)} rx={2} fill={theme.palette.primary.main} opacity={0.8}>
              <title>{`${formatDateTime(p.createdAt)}: ${formatBytes(p.size)}, took ${formatDuration(p.durationMs)}`}</title>
            </rect>
          );
        })}
        {line && <polyline points={line} fill="none" stroke={theme.palette.secondary.main} strokeWidth={2} />}
        {ticks.map(({ p, i }) => (
          <text key={`t${i}`} x={x(i)} y={bottom + 16} fontSize={11} textAnchor={i === 0 && data.length > 1 ? 'start' : i === data.length - 1 && data.length > 1 ? 'end' : 'middle'} fill={muted}>
            {dateLabel(p.createdAt, withTime)}
          </text>
        ))}
        <text x={LEFT - 6} y={H - 4} fontSize={11} textAnchor="end" fill={muted}>
          size
        </text>
        <text x={W - RIGHT + 6} y={H - 4} fontSize={11} fill={muted}>
          duration
        </text>
      </svg>
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', color: 'text.secondary', typography: 'body2' }} data-testid="chart-legend">
        <span>
          <Box component="span" sx={{ display: 'inline-block', width: 10, height: 10, bgcolor: 'primary.main', mr: 0.75, borderRadius: 0.5 }} />
          archive size (left axis)
        </span>
        <span>
          <Box component="span" sx={{ display: 'inline-block', width: 14, height: 2, bgcolor: 'secondary.main', mr: 0.75, verticalAlign: 'middle' }} />
          duration (right axis)
        </span>
        <Box component="span" sx={{ color: failed ? 'error.main' : undefined, fontWeight: failed ? 700 : 400 }}>
          ✕ failed run{failed ? `: ${failed} of the last ${data.length}` : ' (none in the last ' + String(data.length) + ')'}
        </Box>
      </Box>
    </Box>
  );
}
