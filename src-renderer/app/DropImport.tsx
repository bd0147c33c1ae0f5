import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Typography from '@mui/material/Typography';
import { useState, type DragEvent, type ReactNode } from 'react';
import type { ImportPreviewView, PathRef } from '../../src-shared/ipc/contract';
import { EncryptedImportKey } from '../features/restore/EncryptedImportKey';
import { ImportPreview } from '../features/restore/ImportPreview';
import { call, errorText, UiError } from '../lib/api';
import { useActions } from './actions';
import { useNotify } from './notify';

// An encrypted Lifeboat archive (.zip.age, .tar.gz.age) asks for its key in the preview (issue 14).
const ARCHIVE = /\.(zip|tar\.gz|tgz)(\.age)?$/i;

/**
 * Dropping a .zip or .tar.gz anywhere first shows what it is (read in place, nothing copied); only
 * "Import and restore…" copies it into the catalog (main asks once more) and opens the restore
 * wizard. A bad file gets a clear dialog.
 */
export function DropImport({ children }: { children: ReactNode }) {
  const [over, setOver] = useState(false);
  const [failure, setFailure] = useState<{ file: string; message: string; hint: string | null; code: string | null } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ grant: PathRef; view: ImportPreviewView } | null>(null);
  const [importing, setImporting] = useState(false);
  const actions = useActions();
  const notify = useNotify();

  const onDrop = async (e: DragEvent<HTMLDivElement>): Promise<void> => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    if (!ARCHIVE.test(file.name)) {
      setFailure({ file: file.name, message: `${file.name} is not a backup archive. Drop a .zip or .tar.gz file (or an encrypted .zip.age / .tar.gz.age).`, hint: null, code: 'ARCHIVE_INVALID' });
      return;
    }
    setBusy('Reading the archive where it is…');
    try {
      // The preload turns the dropped File into a read-only grant; a path the page typed gets none.
      const grant = await window.lifeboat.grantDroppedFile(file);
      if (!grant.ok) throw new UiError(grant.error);
      const view = await call('import:inspect', { archive: grant.value });
      setPreview({ grant: grant.value, view });
    } catch (err) {
      setFailure({ file: file.name, ...errorText(err) });
    } finally {
      setBusy(null);
    }
  };

  const confirmImport = async (): Promise<void> => {
    if (!preview) return;
    const { grant, view } = preview;
    setImporting(true);
    try {
      const r = await call('import:archive', { archive: grant, inspection: view.inspection });
      setPreview(null);
      notify.success(r.duplicate ? `${view.fileName} is already in the catalog.` : `Imported ${view.fileName} as ${r.fileName}${r.kind === 'plain' ? ' (a files-only backup)' : ''}.`);
      actions.openRestoreWizard({ id: r.id });
    } catch (err) {
      const t = errorText(err);
      // Declining main's question is a choice, not a failure: the preview stays.
      if (t.code !== 'CANCELLED') {
        setPreview(null);
        setFailure({ file: view.fileName, ...t });
      }
    } finally {
      setImporting(false);
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
      {(over || busy !== null) && (
        <Box sx={{ position: 'fixed', inset: 12, border: 3, borderStyle: 'dashed', borderColor: 'primary.main', borderRadius: 4, bgcolor: 'action.hover', display: 'grid', placeItems: 'center', zIndex: 2000, pointerEvents: 'none' }}>
          <Typography variant="h5">{busy ?? 'Drop a backup archive to see what it is'}</Typography>
        </Box>
      )}
      <Dialog open={preview !== null} onClose={importing ? undefined : () => setPreview(null)} maxWidth="md" fullWidth aria-labelledby="import-preview-title">
        <DialogTitle id="import-preview-title" sx={{ wordBreak: 'break-all' }}>
          What is {preview?.view.fileName}?
        </DialogTitle>
        <DialogContent dividers>
          {preview?.view.encryption && !preview.view.encryption.opened && (
            <Box sx={{ mb: 2 }}>
              <EncryptedImportKey grant={preview.grant} encryption={preview.view.encryption} onOpened={(view) => setPreview({ grant: preview.grant, view })} />
            </Box>
          )}
          {preview && <ImportPreview preview={preview.view} />}
          <Typography variant="body2" color="text.secondary" sx={{ mt: 2 }}>
            Nothing has been copied. {preview?.view.duplicateOf ? 'Restore opens the copy already in the catalog.' : 'Import copies it into the catalog under its own name (the original stays where it is); then the restore wizard opens.'}
          </Typography>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setPreview(null)} disabled={importing}>
            Cancel
          </Button>
          {preview?.view.duplicateOf ? (
            <Button
              variant="contained"
              onClick={() => {
                const id = preview.view.duplicateOf?.id ?? '';
                setPreview(null);
                actions.openRestoreWizard({ id });
              }}
              data-testid="import-restore-existing"
            >
              Restore it
            </Button>
          ) : (
            <Button variant="contained" onClick={() => void confirmImport()} disabled={importing || (preview?.view.problems.length ?? 0) > 0 || (preview?.view.encryption !== undefined && !preview.view.encryption.opened)} data-testid="import-confirm" autoFocus>
              Import and restore…
            </Button>
          )}
        </DialogActions>
      </Dialog>
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
            The file was left where it is; nothing was copied into the catalog. {failure?.code ? `(${failure.code})` : ''}
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
