import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { ARCHIVE_FORMATS, BACKUP_TYPES, type ArchiveFormat, type BackupType } from '../../../src-shared/domain/enums';
import type { Profile, SourceSpec } from '../../../src-shared/domain/profile';
import type { PathRef } from '../../../src-shared/ipc/contract';
import { PathField } from '../../components/PathField';
import { useQuery } from '../../lib/hooks';
import { useNotify } from '../../app/notify';
import { call, errorText } from '../../lib/api';
import type { Schedule } from '../../../src-shared/domain/schedule';
import { ScheduleFields } from './ScheduleFields';
import { RemoteDestinations } from './RemoteDestinations'; // off-site remotes (issue 14)
import type { RemoteSpecInput } from '../../../src-shared/domain/profile'; // off-site remotes (issue 14)
import { pgUrl, SourceEditor, type DraftSource } from './SourceEditor';

function toDraft(s: SourceSpec): DraftSource {
  switch (s.kind) {
    case 'sqlite':
      return { kind: 'sqlite', path: s.path };
    case 'folder':
      return { kind: 'folder', path: s.path, exclude: s.exclude.join('\n'), gitignore: s.gitignore };
    case 'mysql':
      return { kind: 'mysql', url: s.url };
    case 'postgres': {
      const u = new URL(s.url);
      return { kind: 'postgres', host: u.hostname, port: u.port || '5432', database: decodeURIComponent(u.pathname.slice(1)), user: decodeURIComponent(u.username), password: '' };
    }
  }
}

function toSpec(d: DraftSource): SourceSpec {
  switch (d.kind) {
    case 'sqlite':
      return { kind: 'sqlite', path: d.path.trim() };
    case 'folder':
      return { kind: 'folder', path: d.path.trim(), include: [], exclude: d.exclude.split('\n').map((x) => x.trim()).filter(Boolean), gitignore: d.gitignore };
    case 'postgres':
      return { kind: 'postgres', url: pgUrl(d) };
    case 'mysql':
      return { kind: 'mysql', url: d.url };
  }
}

const number = (v: string): number | null => (v.trim() && Number(v) > 0 ? Math.floor(Number(v)) : null);

/** Create or edit a profile: sources, destination, format, type and retention. */
export function ProfileEditor({ profile, onClose }: { profile: Profile | null; onClose: () => void }) {
  const notify = useNotify();
  const [name, setName] = useState(profile?.name ?? '');
  const [sources, setSources] = useState<DraftSource[]>(profile ? profile.spec.sources.map(toDraft) : []);
  const [destination, setDestination] = useState<PathRef | string | null>(profile?.spec.destination ?? null);
  const secrets = useQuery('settings:get-secret-state', {});
  const stored = new Set(profile ? (secrets.data?.profilePasswords[profile.name] ?? []) : []);
  const [format, setFormat] = useState<ArchiveFormat>(profile?.spec.format ?? 'zip');
  const [type, setType] = useState<BackupType>(profile?.spec.type ?? 'full');
  const [keepLast, setKeepLast] = useState(String(profile?.spec.retention.keepLast ?? ''));
  const [keepDays, setKeepDays] = useState(String(profile?.spec.retention.keepDays ?? ''));
  const [error, setError] = useState<string | null>(null);
  const [schedule, setSchedule] = useState<Schedule | null>(profile?.spec.schedule ?? null);
  const [remotes, setRemotes] = useState<RemoteSpecInput[]>(profile ? [...profile.spec.remotes] : []); // off-site remotes (issue 14)

  const save = async (): Promise<void> => {
    setError(null);
    try {
      const passwords = Object.fromEntries(sources.flatMap((s, i) => (s.kind === 'postgres' && s.password ? [[String(i), s.password]] : [])));
      // Paths chosen in this editor go with their grants; the profile's stored paths need none.
      const pathGrants = [...sources.flatMap((s) => ((s.kind === 'folder' || s.kind === 'sqlite') && s.grant ? [s.grant] : [])), ...(destination !== null && typeof destination !== 'string' ? [destination] : [])];
      await call('profile:save', {
        name: name.trim(),
        replace: profile !== null,
        passwords,
        pathGrants,
        spec: {
          sources: sources.map(toSpec),
          destination: destination === null ? null : typeof destination === 'string' ? destination : destination.displayPath,
          format,
          type,
          retention: { keepLast: number(keepLast), keepDays: number(keepDays), keepDaily: profile?.spec.retention.keepDaily ?? null, keepWeekly: profile?.spec.retention.keepWeekly ?? null, keepMonthly: profile?.spec.retention.keepMonthly ?? null },
          options: profile?.spec.options ?? { allowEmpty: false, skipUnreadable: false, verify: true },
          schedule,
          remotes, // off-site remotes (issue 14): saved with the profile, never dropped by an edit
        },
      });
      notify.success(`Profile "${name.trim()}" saved.`);
      onClose();
    } catch (e) {
      const t = errorText(e);
      setError(`${t.message}${t.hint ? ` ${t.hint}` : ''}`);
    }
  };
  const add = (d: DraftSource): void => setSources((s) => [...s, d]);

  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth>
      <DialogTitle>{profile ? `Edit profile ${profile.name}` : 'New profile'}</DialogTitle>
      <DialogContent dividers sx={{ display: 'grid', gap: 2 }}>
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} disabled={profile !== null} helperText="Letters, digits, dot, dash or underscore" slotProps={{ htmlInput: { 'data-testid': 'profile-name' } }} />
        <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
          Sources
        </Typography>
        {sources.map((s, i) => (
          <SourceEditor key={i} index={i} source={s} storedFor={stored.has(i) ? profile?.spec.sources[i]?.kind === 'postgres' ? profile.spec.sources[i].url : undefined : undefined} onChange={(n) => setSources((all) => all.map((x, j) => (j === i ? n : x)))} onRemove={() => setSources((all) => all.filter((_x, j) => j !== i))} />
        ))}
        <Box sx={{ display: 'flex', gap: 1 }}>
          <Button onClick={() => add({ kind: 'sqlite', path: '' })} data-testid="add-sqlite">
            + SQLite
          </Button>
          <Button onClick={() => add({ kind: 'postgres', host: 'localhost', port: '5432', database: '', user: '', password: '' })} data-testid="add-postgres">
            + PostgreSQL
          </Button>
          <Button onClick={() => add({ kind: 'folder', path: '', exclude: '', gitignore: false })} data-testid="add-folder">
            + Folder
          </Button>
        </Box>
        <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
          Archive and retention
        </Typography>
        <Box sx={{ display: 'grid', gridTemplateColumns: '2fr 1fr 1fr', gap: 2 }}>
          <PathField label="Destination folder" kind="folder" empty="The app's backup folder" value={destination} onChange={setDestination} testId="profile-destination" />
          <TextField select label="Format" value={format} onChange={(e) => setFormat(e.target.value as ArchiveFormat)}>
            {ARCHIVE_FORMATS.map((f) => (
              <MenuItem key={f} value={f}>
                {f}
              </MenuItem>
            ))}
          </TextField>
          <TextField select label="Type" value={type} onChange={(e) => setType(e.target.value as BackupType)}>
            {BACKUP_TYPES.map((t) => (
              <MenuItem key={t} value={t}>
                {t}
              </MenuItem>
            ))}
          </TextField>
          <TextField label="Keep last N verified" value={keepLast} onChange={(e) => setKeepLast(e.target.value.replace(/\D/g, ''))} />
          <TextField label="Keep N days" value={keepDays} onChange={(e) => setKeepDays(e.target.value.replace(/\D/g, ''))} />
        </Box>
        <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
          Schedule
        </Typography>
        <ScheduleFields value={schedule} onChange={setSchedule} />
        <RemoteDestinations value={remotes} onChange={setRemotes} />
      </DialogContent>
      {error && (
        // Outside the scrolling content, next to Save: the reason is on screen wherever the form was scrolled.
        <Alert severity="error" data-testid="profile-error" role="alert" sx={{ mx: 3, mt: 1.5 }}>
          {error}
        </Alert>
      )}
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={() => void save()} disabled={!name.trim() || sources.length === 0} data-testid="profile-save">
          Save profile
        </Button>
      </DialogActions>
    </Dialog>
  );
}
