import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import type { BackupRecord } from '../../../src-shared/domain/backup';
import { formatBytes } from '../../../src-shared/domain/format';
import { useNotify } from '../../app/notify';
import { call } from '../../lib/api';

/** Deleting a backup asks first and says exactly what goes. */
export function ConfirmDelete({ record, onClose }: { record: BackupRecord; onClose: () => void }) {
  const notify = useNotify();
  const remove = async (): Promise<void> => {
    try {
      await call('backup:delete', { id: record.id });
      notify.success(`Deleted ${record.fileName}.`);
      onClose();
    } catch (e) {
      notify.failure(e, 'Delete');
    }
  };
  return (
    <Dialog open onClose={onClose}>
      <DialogTitle>Delete this backup?</DialogTitle>
      <DialogContent>
        <DialogContentText>
          {record.fileName} ({formatBytes(record.size ?? 0)}) and its checksum file will be deleted for good. The audit trail keeps a record of it.
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} autoFocus>
          Keep it
        </Button>
        <Button color="error" variant="contained" onClick={() => void remove()}>
          Delete
        </Button>
      </DialogActions>
    </Dialog>
  );
}
