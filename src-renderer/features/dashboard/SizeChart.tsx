import Box from '@mui/material/Box';
import { useTheme } from '@mui/material/styles';
import Typography from '@mui/material/Typography';
import { formatBytes, formatDuration } from '../../../src-shared/domain/format';

interface Point {
  readonly createdAt: string;
  readonly size: number;
  readonly durationMs: number;
  readonly status: string;
}

/** Backup size (bars) and duration (line) over time, oldest on the left. */
export function SizeChart({ points }: { points: readonly Point[] }) {
  const theme = useTheme();
  const data = [...points].reverse();
  if (data.length === 0) {
    return (
      <Typography variant="body2" color="text.secondary">
        The chart fills in as backups run.
      </Typography>
    );
  }
  const w = 640;
  const h = 160;
  const pad = 24;
  const maxSize = Math.max(1, ...data.map((p) => p.size));
  const maxDur = Math.max(1, ...data.map((p) => p.durationMs));
  // Bars stay slim when there are few backups, so one backup does not fill the chart.
  const step = Math.min((w - pad * 2) / data.length, 48);
  const line = data.map((p, i) => `${pad + step * i + step / 2},${h - pad - ((h - pad * 2) * p.durationMs) / maxDur}`).join(' ');
  return (
    <Box>
      <svg viewBox={`0 0 ${w} ${h}`} width="100%" role="img" aria-label="Backup size and duration over time">
        <line x1={pad} y1={h - pad} x2={w - pad} y2={h - pad} stroke={theme.palette.divider} />
        {data.map((p, i) => {
          const bh = ((h - pad * 2) * p.size) / maxSize;
          return (
            <rect key={p.createdAt + String(i)} x={pad + step * i + step * 0.15} y={h - pad - bh} width={step * 0.7} height={Math.max(bh, 1)} rx={2} fill={p.status === 'FAILED' ? theme.palette.error.main : theme.palette.primary.main} opacity={0.75}>
              <title>{`${p.createdAt.slice(0, 16).replace('T', ' ')}: ${formatBytes(p.size)}, ${formatDuration(p.durationMs)}${p.status === 'FAILED' ? ' (failed)' : ''}`}</title>
            </rect>
          );
        })}
        <polyline points={line} fill="none" stroke={theme.palette.secondary.main} strokeWidth={2} />
        <text x={pad} y={14} fontSize={11} fill={theme.palette.text.secondary}>
          {`size (bars, max ${formatBytes(maxSize)}) · duration (line, max ${formatDuration(maxDur)})`}
        </text>
      </svg>
    </Box>
  );
}
