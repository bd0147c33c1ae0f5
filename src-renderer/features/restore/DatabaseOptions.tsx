import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormGroup from '@mui/material/FormGroup';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { PG_SECTIONS, type PgRestoreOptions, type PgSection } from '../../../src-shared/domain/pg-options';

/** The wizard's database restore choices (issue 13), as edited. */
export interface DatabaseChoice {
  /** Another MariaDB/MySQL database (mysql://user@host:port/db); empty: the original. */
  toMysql: string;
  /** A PostgreSQL server every PostgreSQL source goes to under its own name; empty: not used. */
  toPostgresServer: string;
  mode: 'replace' | 'new';
  noOwner: boolean;
  sections: PgSection[];
  jobs: string;
}

/** Nothing chosen: the originals, clean and replace, owners kept, every section, one job. */
export const NO_DATABASE_CHOICE: DatabaseChoice = { toMysql: '', toPostgresServer: '', mode: 'replace', noOwner: false, sections: [...PG_SECTIONS], jobs: '' };

/** The restore request's database part (main checks every value again against the contract). */
export function databaseOptions(c: DatabaseChoice): { toMysql?: string; toPostgresServer?: string; pg?: PgRestoreOptions } {
  const pg: PgRestoreOptions = {
    ...(c.mode === 'new' ? { mode: 'new' as const } : {}),
    ...(c.noOwner ? { noOwner: true } : {}),
    ...(c.sections.length < PG_SECTIONS.length ? { sections: c.sections } : {}),
    ...(c.jobs.trim() ? { jobs: Number(c.jobs) } : {}),
  };
  return {
    ...(c.toMysql.trim() ? { toMysql: c.toMysql.trim() } : {}),
    ...(c.toPostgresServer.trim() ? { toPostgresServer: c.toPostgresServer.trim() } : {}),
    ...(Object.keys(pg).length ? { pg } : {}),
  };
}

const SECTION_TEXT: Readonly<Record<PgSection, string>> = { 'pre-data': 'Tables and types (pre-data)', data: 'Rows (data)', 'post-data': 'Indexes, constraints, triggers (post-data)' };

/** The pgAdmin-style restore choices for the backup's PostgreSQL and MariaDB/MySQL sources. */
export function DatabaseOptions({ kinds, value, onChange }: { kinds: ReadonlySet<string>; value: DatabaseChoice; onChange: (c: DatabaseChoice) => void }) {
  if (!kinds.has('postgres') && !kinds.has('mysql')) return null;
  const set = (patch: Partial<DatabaseChoice>): void => onChange({ ...value, ...patch });
  const jobsBad = value.jobs.trim() !== '' && !(/^\d+$/.test(value.jobs.trim()) && Number(value.jobs) >= 1 && Number(value.jobs) <= 32);
  return (
    <Box sx={{ display: 'grid', gap: 1.5 }} data-testid="restore-database-options">
      {kinds.has('mysql') && (
        <TextField size="small" label="Restore MariaDB/MySQL into (mysql://user@host:port/db; empty: the original)" value={value.toMysql} onChange={(e) => set({ toMysql: e.target.value })} slotProps={{ htmlInput: { 'data-testid': 'restore-to-mysql' } }} />
      )}
      {kinds.has('postgres') && (
        <>
          <TextField
            size="small"
            label="Or restore every PostgreSQL database onto this server (postgres://user@host:port/postgres)"
            helperText="Each database keeps its name; a whole-server backup's roles and tablespaces go first (roles that exist are left as they are)."
            value={value.toPostgresServer}
            onChange={(e) => set({ toPostgresServer: e.target.value })}
            slotProps={{ htmlInput: { 'data-testid': 'restore-to-postgres-server' } }}
          />
          <Typography variant="subtitle2">PostgreSQL restore options</Typography>
          <ToggleButtonGroup size="small" exclusive value={value.mode} onChange={(_e, v: DatabaseChoice['mode'] | null) => v && set({ mode: v })} aria-label="Existing database">
            <ToggleButton value="replace" data-testid="restore-pg-replace">
              Clean and replace
            </ToggleButton>
            <ToggleButton value="new" data-testid="restore-pg-new">
              Into a new database only
            </ToggleButton>
          </ToggleButtonGroup>
          <Typography variant="body2" color="text.secondary">
            {value.mode === 'replace' ? 'An existing database is swapped for the restored copy once that copy is checked; the old one is kept until then.' : 'The restore stops if a target database exists already.'}
          </Typography>
          <FormGroup row>
            {PG_SECTIONS.map((s) => (
              <FormControlLabel
                key={s}
                label={SECTION_TEXT[s]}
                control={
                  <Checkbox
                    checked={value.sections.includes(s)}
                    // The restore stages into a new database: it needs its tables (pre-data) whatever else is chosen.
                    disabled={s === 'pre-data'}
                    onChange={(e) => set({ sections: PG_SECTIONS.filter((x) => (x === s ? e.target.checked : value.sections.includes(x))) })}
                    slotProps={{ input: { 'data-testid': `restore-pg-section-${s}` } as object }}
                  />
                }
              />
            ))}
          </FormGroup>
          <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
            <FormControlLabel control={<Checkbox checked={value.noOwner} onChange={(e) => set({ noOwner: e.target.checked })} slotProps={{ input: { 'data-testid': 'restore-pg-no-owner' } as object }} />} label="Do not restore owners (you own everything)" />
            <TextField
              size="small"
              label="Parallel jobs"
              value={value.jobs}
              onChange={(e) => set({ jobs: e.target.value.replace(/\D/g, '') })}
              error={jobsBad}
              helperText={jobsBad ? '1 to 32' : 'empty: one'}
              sx={{ width: 140 }}
              slotProps={{ htmlInput: { 'data-testid': 'restore-pg-jobs', inputMode: 'numeric' } }}
            />
          </Box>
        </>
      )}
    </Box>
  );
}
