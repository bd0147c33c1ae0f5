import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { BackupEstimateView } from '../../../src-shared/ipc/contract';
import { formatBytes } from '../../../src-shared/domain/format';

/**
 * What a backup will do before it starts: the resolved settings (what "profile default" means),
 * where the archive goes, each source with its measured size or the problem found, and the total.
 */
export function BackupPlan({ estimate, loading, error }: { estimate: BackupEstimateView | null; loading: boolean; error: string | null }) {
  if (error) return <Alert severity="error">{error}</Alert>;
  if (!estimate) return loading ? <LinearProgress aria-label="Measuring the sources" /> : null;
  const s = estimate.settings;
  const facts: [string, string][] = [
    ['Destination', s.destination],
    ['Archive', `${s.type} · ${s.format} · compression level ${s.compressionLevel} · ${s.verify ? 'verified after writing' : 'not verified after writing'}`],
    ['Retention', s.retention],
    ...(s.hooks.pre ? [['Before', s.hooks.pre] as [string, string]] : []),
    ...(s.hooks.post ? [['After', s.hooks.post] as [string, string]] : []),
  ];
  const problems = estimate.sources.filter((x) => !x.ok).length;
  return (
    <Box data-testid="backup-plan" sx={{ display: 'grid', gap: 1 }}>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 2, rowGap: 0.25 }}>
        {facts.map(([k, v]) => (
          <Box key={k} sx={{ display: 'contents' }}>
            <Typography variant="body2" color="text.secondary">
              {k}
            </Typography>
            <Typography variant="body2" sx={{ wordBreak: 'break-all' }} data-testid={`plan-${k.toLowerCase()}`}>
              {v}
            </Typography>
          </Box>
        ))}
      </Box>
      <Table size="small" aria-label="Sources">
        <TableHead>
          <TableRow>
            <TableCell>Source</TableCell>
            <TableCell>Where</TableCell>
            <TableCell align="right">Size</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {estimate.sources.map((x) => (
            <TableRow key={x.name} data-testid={`plan-source-${x.name}`}>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>
                {x.name} <Typography component="span" variant="caption" color="text.secondary">({x.kind})</Typography>
              </TableCell>
              <TableCell sx={{ wordBreak: 'break-all' }}>
                {x.where}
                {x.problem && (
                  <Typography variant="caption" color="error" component="div">
                    {x.problem}
                  </Typography>
                )}
              </TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                {x.bytes !== null ? formatBytes(x.bytes) : x.ok ? 'after the dump' : '—'}
                {x.files !== null && x.kind === 'folder' ? ` · ${x.files.toLocaleString('en-US')} files` : ''}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Typography variant="body2" data-testid="plan-total">
        <strong>Estimated size to read: {formatBytes(estimate.totalBytes)}</strong>
        {estimate.unknown > 0 ? ` plus ${estimate.unknown} source${estimate.unknown === 1 ? '' : 's'} measured only when dumped` : ''}. The archive is usually smaller (compressed).
      </Typography>
      {problems > 0 && (
        <Alert severity="warning" data-testid="plan-problems">
          {problems} source{problems === 1 ? ' has a problem' : 's have problems'}: the backup will fail unless {problems === 1 ? 'it is' : 'they are'} fixed.
        </Alert>
      )}
    </Box>
  );
}
