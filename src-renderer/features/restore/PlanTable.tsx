import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import type { RestorePlanView } from '../../../src-shared/ipc/contract';
import { formatBytes } from '../../../src-shared/domain/format';

/** What a restore writes and what it overwrites, with sizes. */
export function PlanTable({ plan }: { plan: RestorePlanView }) {
  return (
    <Table size="small" data-testid="restore-plan">
      <TableHead>
        <TableRow>
          <TableCell>Source</TableCell>
          <TableCell>Restores to</TableCell>
          <TableCell align="right">Writes</TableCell>
          <TableCell align="right">Overwrites</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {plan.targets.map((t) => (
          <TableRow key={t.source}>
            <TableCell>
              {t.source} ({t.kind})
            </TableCell>
            <TableCell sx={{ wordBreak: 'break-all' }}>{t.target}</TableCell>
            <TableCell align="right">{formatBytes(t.writeBytes)}</TableCell>
            <TableCell align="right">{t.exists ? (t.overwriteBytes === null ? 'existing database' : formatBytes(t.overwriteBytes)) : 'nothing (new)'}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
