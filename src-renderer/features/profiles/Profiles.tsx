import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardActions from '@mui/material/CardActions';
import CardContent from '@mui/material/CardContent';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import Alert from '@mui/material/Alert';
import Snackbar from '@mui/material/Snackbar';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { formatDateTime } from '../../../src-shared/domain/format';
import { describeRetention, type Profile } from '../../../src-shared/domain/profile';
import type { ProfileHealth } from '../../../src-shared/ipc/contract';
import { StatusChip } from '../../components/StatusChip';
import { useActions } from '../../app/actions';
import { useNotify } from '../../app/notify';
import { call } from '../../lib/api';
import { useQuery } from '../../lib/hooks';
import { ProfileEditor } from './ProfileEditor';

/** Profiles: named sets of sources, each with its destination, format and retention. */
export function Profiles() {
  const profiles = useQuery('profile:list', {});
  const [editing, setEditing] = useState<Profile | 'new' | null>(null);
  const [removing, setRemoving] = useState<Profile | null>(null);
  const actions = useActions();
  const notify = useNotify();
  // Last result and next run per profile: the dashboard's health rows.
  const stats = useQuery('stats:get', {});
  const health = new Map<string, ProfileHealth>((stats.data?.health ?? []).map((h) => [h.profile, h]));
  const [undo, setUndo] = useState<{ name: string; token: string } | null>(null);
  const remove = async (p: Profile): Promise<void> => {
    setRemoving(null);
    try {
      const r = await call('profile:remove', { name: p.name });
      setUndo({ name: p.name, token: r.undoToken });
    } catch (e) {
      notify.failure(e, 'Remove profile');
    }
  };
  const undoRemove = async (): Promise<void> => {
    if (!undo) return;
    setUndo(null);
    try {
      await call('profile:undo-remove', { token: undo.token });
      notify.success(`Profile "${undo.name}" is back, with its schedule and stored passwords.`);
    } catch (e) {
      notify.failure(e, 'Undo');
    }
  };
  return (
    <Box>
      <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', mb: 2 }}>
        <Typography variant="h4" sx={{ fontWeight: 700 }}>
          Profiles
        </Typography>
        <Button variant="contained" onClick={() => setEditing('new')} data-testid="new-profile">
          New profile
        </Button>
      </Box>
      {profiles.data?.length === 0 && <Typography color="text.secondary">No profiles yet. A profile names the databases and folders to back up together.</Typography>}
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(320px, 1fr))', gap: 2 }}>
        {(profiles.data ?? []).map((p) => (
          <Card key={p.name} data-testid={`profile-${p.name}`}>
            <CardContent>
              <Typography variant="h6">{p.name}</Typography>
              <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
                {p.spec.type} · {p.spec.format} · {p.spec.destination ?? 'default folder'}
              </Typography>
              {p.spec.sources.map((s, i) => (
                <Typography key={i} variant="body2" noWrap title={'url' in s ? s.url : s.path}>
                  {s.kind}: {'url' in s ? s.url : s.path}
                </Typography>
              ))}
              <ProfileStatus health={health.get(p.name)} retention={describeRetention(p.spec.retention)} hooks={Boolean(p.spec.hooks.pre ?? p.spec.hooks.post)} />
            </CardContent>
            <CardActions>
              <Button onClick={() => actions.openBackupDialog(p.name)}>Back up</Button>
              <Button onClick={() => setEditing(p)}>Edit</Button>
              <Button color="error" onClick={() => setRemoving(p)} data-testid="profile-remove">
                Remove
              </Button>
            </CardActions>
          </Card>
        ))}
      </Box>
      {removing && (
        <Dialog open onClose={() => setRemoving(null)} aria-labelledby="remove-title" data-testid="confirm-remove">
          <DialogTitle id="remove-title">Remove the profile "{removing.name}"?</DialogTitle>
          <DialogContent>
            <DialogContentText>
              Its {removing.spec.sources.length} source{removing.spec.sources.length === 1 ? '' : 's'}, its schedule and its stored passwords are forgotten, and it stops running. Backups already taken stay in the catalog and can still be restored from History.
            </DialogContentText>
          </DialogContent>
          <DialogActions>
            <Button autoFocus onClick={() => setRemoving(null)}>
              Keep it
            </Button>
            <Button color="error" variant="contained" onClick={() => void remove(removing)} data-testid="confirm-remove-yes">
              Remove profile
            </Button>
          </DialogActions>
        </Dialog>
      )}
      <Snackbar open={undo !== null} onClose={(_e, reason) => reason !== 'clickaway' && setUndo(null)} autoHideDuration={15000} anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}>
        <Alert
          severity="info"
          variant="filled"
          data-testid="undo-remove"
          action={
            <Button color="inherit" size="small" onClick={() => void undoRemove()} data-testid="undo-remove-button" sx={{ fontWeight: 700 }}>
              Undo
            </Button>
          }
        >
          Profile "{undo?.name}" removed; its backups stay in the catalog.
        </Alert>
      </Snackbar>
      {editing && <ProfileEditor profile={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </Box>
  );
}

/** A card's last result and next run, from the dashboard's health figures. */
function ProfileStatus({ health, retention, hooks }: { health: ProfileHealth | undefined; retention: string; hooks: boolean }) {
  const last = health?.lastRun;
  return (
    <Box sx={{ mt: 1.5, pt: 1, borderTop: 1, borderColor: 'divider', display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 1.5, rowGap: 0.5, alignItems: 'center' }} data-testid="profile-status">
      <Typography variant="caption" color="text.secondary">
        Last result
      </Typography>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', minWidth: 0 }} data-testid="profile-last">
        {last ? (
          <>
            <StatusChip status={last.status} />
            <Typography variant="caption">
              {formatDateTime(last.at, { seconds: false })}
              {health && health.consecutiveFailures > 1 ? ` · ${health.consecutiveFailures} failures in a row` : ''}
            </Typography>
          </>
        ) : (
          <Typography variant="caption">No backup yet</Typography>
        )}
      </Box>
      <Typography variant="caption" color="text.secondary">
        Next run
      </Typography>
      <Typography variant="caption" data-testid="profile-next">
        {health?.nextRunAt ? `${formatDateTime(health.nextRunAt, { seconds: false })}${health.schedule ? ` (${health.schedule})` : ''}` : 'Only when started'}
      </Typography>
      <Typography variant="caption" color="text.secondary">
        Retention
      </Typography>
      <Typography variant="caption">
        {retention}
        {hooks ? ' · runs commands around each backup' : ''}
      </Typography>
    </Box>
  );
}
