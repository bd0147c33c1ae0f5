import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Typography from '@mui/material/Typography';
import { useState, type DragEvent, type ReactNode } from 'react';
import { call, errorText, UiError } from '../lib/api';
import { useActions } from './actions';
import { useNotify } from './notify';

const ARCHIVE = /\.(zip|tar\.gz|tgz)$/i;

/** Dropping a .zip or .tar.gz anywhere imports it and opens the restore wizard; a bad file gets a clear dialog. */
export function DropImport({ children }: { children: ReactNode }) {
  const [over, setOver] = useState(false);
  const [failure, setFailure] = useState<{ file: string; message: string; hint: string | null; code: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const actions = useActions();
  const notify = useNotify();

  const onDrop = async (e: DragEvent<HTMLDivElement>): Promise<void> => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    if (!ARCHIVE.test(file.name)) {
      setFailure({ file: file.name, message: `${file.name} is not a backup archive. Drop a .zip or .tar.gz file.`, hint: null, code: 'ARCHIVE_INVALID' });
      return;
    }
    setBusy(true);
    try {
      // The preload turns the dropped File into a read-only grant; a path the page typed gets none.
      const grant = await window.lifeboat.grantDroppedFile(file);
      if (!grant.ok) throw new UiError(grant.error);
      const r = await call('import:archive', { archive: grant.value });
      notify.success(r.duplicate ? `${file.name} is already in the catalog.` : `Imported ${file.name}${r.kind === 'plain' ? ' as a files-only backup' : ''}.`);
      actions.openRestoreWizard({ id: r.id });
    } catch (err) {
      setFailure({ file: file.name, ...errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => void onDrop(e)}
      sx={{ position: 'relative' }}
      data-testid="drop-zone"
    >
      {children}
      {(over || busy) && (
        <Box sx={{ position: 'fixed', inset: 12, border: 3, borderStyle: 'dashed', borderColor: 'primary.main', borderRadius: 4, bgcolor: 'action.hover', display: 'grid', placeItems: 'center', zIndex: 2000, pointerEvents: 'none' }}>
          <Typography variant="h5">{busy ? 'Checking the archive…' : 'Drop a backup archive to import and restore it'}</Typography>
        </Box>
      )}
      <Dialog open={failure !== null} onClose={() => setFailure(null)} maxWidth="sm" fullWidth>
        <DialogTitle>Cannot import {failure?.file}</DialogTitle>
        <DialogContent>
          <Alert severity="error" data-testid="import-error">
            {failure?.message}
          </Alert>
          {failure?.hint && (
            <Typography variant="body2" sx={{ mt: 2 }}>
              {failure.hint}
            </Typography>
          )}
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            Nothing was written. {failure?.code ? `(${failure.code})` : ''}
          </Typography>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setFailure(null)} autoFocus>
            Close
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
