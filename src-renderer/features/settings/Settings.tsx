import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { Settings as SettingsValue } from '../../../src-shared/ipc/contract';
import { useNotify } from '../../app/notify';
import { call } from '../../lib/api';
import { useQuery } from '../../lib/hooks';
import { EmailSettings } from './EmailSettings';

/** Theme, tray behaviour, notifications, the default profile and the pg_dump / pg_restore paths. */
export function Settings() {
  const settings = useQuery('settings:get', {});
  const profiles = useQuery('profile:list', {});
  const info = useQuery('app:get-info', {});
  const notify = useNotify();
  const s = settings.data;
  const update = async (patch: Partial<SettingsValue>): Promise<void> => {
    try {
      await call('settings:set', patch);
      settings.reload();
    } catch (e) {
      notify.failure(e, 'Settings');
    }
  };
  if (!s) return null;
  return (
    <Box sx={{ maxWidth: 820 }}>
      <Typography variant="h4" component="h1" sx={{ fontWeight: 700, mb: 2 }}>
        Settings
      </Typography>
      <Card>
        <CardContent sx={{ display: 'grid', gap: 2 }}>
          <TextField select label="Theme" value={s.theme} onChange={(e) => void update({ theme: e.target.value as SettingsValue['theme'] })} slotProps={{ htmlInput: { 'data-testid': 'setting-theme' } }}>
            <MenuItem value="system">Follow the system</MenuItem>
            <MenuItem value="light">Light</MenuItem>
            <MenuItem value="dark">Dark</MenuItem>
          </TextField>
          <TextField
            select
            label="Default profile (tray quick backup, Back up now)"
            value={s.defaultProfile ?? ''}
            onChange={(e) => void update({ defaultProfile: e.target.value || null })}
            helperText={profiles.data && profiles.data.length === 0 ? 'No profiles yet: create one under Profiles (New profile), then choose it here.' : undefined}
            data-testid="setting-default-profile"
          >
            <MenuItem value="">None</MenuItem>
            {(profiles.data ?? []).map((p) => (
              <MenuItem key={p.name} value={p.name}>
                {p.name}
              </MenuItem>
            ))}
          </TextField>
          <FormControlLabel control={<Switch checked={s.notifications} onChange={(e) => void update({ notifications: e.target.checked })} />} label="Desktop notifications for backups and restores" />
          <FormControlLabel
            control={<Switch checked={s.closeToTray && Boolean(info.data?.hasTray)} disabled={!info.data?.hasTray} onChange={(e) => void update({ closeToTray: e.target.checked })} />}
            label={info.data?.hasTray ? 'Closing the window keeps Lifeboat in the tray' : 'Closing the window keeps Lifeboat in the tray (this desktop has no tray)'}
          />
          <FormControlLabel control={<Switch checked={s.startMinimized && Boolean(info.data?.hasTray)} disabled={!info.data?.hasTray} onChange={(e) => void update({ startMinimized: e.target.checked })} />} label="Start minimized to the tray" />
          <TextField
            label="pg_dump path (empty: found automatically)"
            defaultValue={s.pgDumpPath ?? ''}
            helperText="Accepted only if it answers --version as pg_dump (PostgreSQL 10 or newer)."
            onBlur={(e) => void update({ pgDumpPath: e.target.value.trim() || null })}
          />
          <TextField
            label="pg_restore path (empty: found automatically)"
            defaultValue={s.pgRestorePath ?? ''}
            helperText="Accepted only if it answers --version as pg_restore (PostgreSQL 10 or newer)."
            onBlur={(e) => void update({ pgRestorePath: e.target.value.trim() || null })}
          />
          <Typography variant="body2" color="text.secondary">
            Data folder: {info.data?.home}
          </Typography>
        </CardContent>
      </Card>
      <Card sx={{ mt: 2 }}>
        <CardContent>
          <EmailSettings value={s.smtp} />
        </CardContent>
      </Card>
    </Box>
  );
}
