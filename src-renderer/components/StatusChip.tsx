import Chip from '@mui/material/Chip';
import type { BackupStatus } from '../../src-shared/domain/enums';

const COLORS: Record<BackupStatus, 'success' | 'error' | 'info' | 'default'> = {
  COMPLETED: 'success',
  FAILED: 'error',
  RUNNING: 'info',
  PENDING: 'default',
};

/** A backup's status as a coloured chip; a warning mark when the backup completed with warnings. */
export function StatusChip({ status, warnings = 0 }: { status: BackupStatus; warnings?: number }) {
  return (
    <Chip
      size="small"
      color={warnings > 0 && status === 'COMPLETED' ? 'warning' : COLORS[status]}
      label={warnings > 0 && status === 'COMPLETED' ? `${status} ⚠` : status}
      variant={status === 'PENDING' ? 'outlined' : 'filled'}
    />
  );
}
