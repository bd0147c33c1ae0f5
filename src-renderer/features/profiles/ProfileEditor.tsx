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
import type { Profile, ProfileEncryption, SourceSpec } from '../../../src-shared/domain/profile';
import type { PathRef } from '../../../src-shared/ipc/contract';
import { PathField } from '../../components/PathField';
import { useQuery } from '../../lib/hooks';
import { useNotify } from '../../app/notify';
import { call, errorText } from '../../lib/api';
import type { Schedule } from '../../../src-shared/domain/schedule';
import { ScheduleFields } from './ScheduleFields';
import { draftFromHook, HookFields, hookFromDraft, type DraftHook } from './HookFields';
import { draftFromSpec, emptyDraft, SourceEditor, specFromDraft, type DraftSource } from './SourceEditor';
import { EncryptionSettings } from './EncryptionSettings';
import { SourceTests } from './SourceTests';
import { RemoteDestinations, storeRemoteKeys, type RemoteKeys } from './RemoteDestinations'; // off-site remotes (issue 14)
import type { RemoteSpecInput } from '../../../src-shared/domain/profile'; // off-site remotes (issue 14)

// Issue 13: the conversions live beside the source editor (PostgreSQL whole-server and options, MariaDB/MySQL).
const toDraft = draftFromSpec;
const toSpec = specFromDraft;

/** The URL a stored database password is bound to. */
const storedUrl = (s: SourceSpec | undefined): string | undefined => (s?.kind === 'postgres' || s?.kind === 'mysql' ? s.url : undefined);

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
  // GFS: the newest verified backup of each of the last N days, weeks and months.
  const [gfs, setGfs] = useState({ daily: String(profile?.spec.retention.keepDaily ?? ''), weekly: String(profile?.spec.retention.keepWeekly ?? ''), monthly: String(profile?.spec.retention.keepMonthly ?? '') });
  const [hooks, setHooks] = useState<{ pre: DraftHook; post: DraftHook }>({ pre: draftFromHook(profile?.spec.hooks.pre ?? null), post: draftFromHook(profile?.spec.hooks.post ?? null) });
  const [error, setError] = useState<string | null>(null);
  const [schedule, setSchedule] = useState<Schedule | null>(profile?.spec.schedule ?? null);
  const [encryption, setEncryption] = useState<ProfileEncryption | null>(profile?.spec.encryption ?? null);
  const [remotes, setRemotes] = useState<RemoteSpecInput[]>(profile ? [...profile.spec.remotes] : []); // off-site remotes (issue 14)
  const [remoteKeys, setRemoteKeys] = useState<(RemoteKeys | undefined)[]>([]);

  const passwords = Object.fromEntries(sources.flatMap((s, i) => ((s.kind === 'postgres' || s.kind === 'mysql') && s.password ? [[String(i), s.password]] : [])));
  // Paths chosen in this editor go with their grants; the profile's stored paths need none.
  const sourceGrants = sources.flatMap((s) => ((s.kind === 'folder' || s.kind === 'sqlite') && s.grant ? [s.grant] : []));
  const save = async (): Promise<void> => {
    setError(null);
    try {
      const pathGrants = [...sourceGrants, ...(destination !== null && typeof destination !== 'string' ? [destination] : [])];
      await storeRemoteKeys(remotes, remoteKeys);
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
          retention: { keepLast: number(keepLast), keepDays: number(keepDays), keepDaily: number(gfs.daily), keepWeekly: number(gfs.weekly), keepMonthly: number(gfs.monthly) },
          options: profile?.spec.options ?? { allowEmpty: false, skipUnreadable: false, verify: true },
          schedule,
          encryption,
          ...(profile?.spec.verifySchedule ? { verifySchedule: profile.spec.verifySchedule } : {}),
          hooks: { pre: hookFromDraft(hooks.pre), post: hookFromDraft(hooks.post) },
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
          <SourceEditor key={i} index={i} source={s} storedFor={stored.has(i) ? storedUrl(profile?.spec.sources[i]) : undefined} onChange={(n) => setSources((all) => all.map((x, j) => (j === i ? n : x)))} onRemove={() => setSources((all) => all.filter((_x, j) => j !== i))} />
        ))}
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          <Button onClick={() => add({ kind: 'sqlite', path: '' })} data-testid="add-sqlite">
            + SQLite
          </Button>
          <Button onClick={() => add(emptyDraft('postgres'))} data-testid="add-postgres">
            + PostgreSQL
          </Button>
          <Button onClick={() => add(emptyDraft('mysql'))} data-testid="add-mysql">
            + MariaDB/MySQL
          </Button>
          <Button onClick={() => add({ kind: 'folder', path: '', include: '', exclude: '', gitignore: false })} data-testid="add-folder">
            + Folder
          </Button>
        </Box>
        <SourceTests sources={sources.map(toSpec)} pathGrants={sourceGrants} passwords={passwords} existing={profile?.name ?? null} disabled={sources.length === 0 || sources.some((s) => (s.kind === 'folder' || s.kind === 'sqlite') && !s.path.trim())} />
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
        </Box>
        {/* Remote destinations (off-site copies) go here, between the destination and retention. */}
        <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(5, 1fr)', gap: 2 }} data-testid="retention-fields">
          <TextField label="Keep last N verified" value={keepLast} onChange={(e) => setKeepLast(e.target.value.replace(/\D/g, ''))} slotProps={{ htmlInput: { inputMode: 'numeric' } }} />
          <TextField label="Keep N days" value={keepDays} onChange={(e) => setKeepDays(e.target.value.replace(/\D/g, ''))} slotProps={{ htmlInput: { inputMode: 'numeric' } }} />
          <TextField label="Daily" helperText="newest of each of N days" value={gfs.daily} onChange={(e) => setGfs({ ...gfs, daily: e.target.value.replace(/\D/g, '') })} slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'keep-daily' } }} />
          <TextField label="Weekly" helperText="… of N weeks" value={gfs.weekly} onChange={(e) => setGfs({ ...gfs, weekly: e.target.value.replace(/\D/g, '') })} slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'keep-weekly' } }} />
          <TextField label="Monthly" helperText="… of N months" value={gfs.monthly} onChange={(e) => setGfs({ ...gfs, monthly: e.target.value.replace(/\D/g, '') })} slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'keep-monthly' } }} />
        </Box>
        <Typography variant="body2" color="text.secondary" sx={{ mt: -1 }}>
          A backup kept by any rule stays; the newest verified backup is never deleted. Empty everywhere: every backup is kept.
        </Typography>
        <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
          Schedule
        </Typography>
        <ScheduleFields value={schedule} onChange={setSchedule} />
        <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
          Encryption
        </Typography>
        <EncryptionSettings profileName={name} saved={profile?.spec.encryption ?? null} value={encryption} onChange={setEncryption} />
        <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
          Commands before and after
        </Typography>
        <HookFields pre={hooks.pre} post={hooks.post} onChange={(side, d) => setHooks((h) => ({ ...h, [side]: d }))} />
        <RemoteDestinations value={remotes} onChange={setRemotes} keys={remoteKeys} onKeys={setRemoteKeys} />
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
