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
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { Profile } from '../../../src-shared/domain/profile';
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
  const remove = async (p: Profile): Promise<void> => {
    setRemoving(null);
    try {
      await call('profile:remove', { name: p.name });
      notify.success(`Profile "${p.name}" removed; its backups stay in the catalog.`);
    } catch (e) {
      notify.failure(e, 'Remove profile');
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
      {editing && <ProfileEditor profile={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </Box>
  );
}
