import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import IconButton from '@mui/material/IconButton';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import DeleteIcon from '@mui/icons-material/DeleteOutlined';
import { useState } from 'react';
import { PathField } from '../../components/PathField';
import { call, errorText } from '../../lib/api';
import { badPatterns, draftUrl, mysqlUrl, PG_DUMP_FIELDS, pgUrl, type DraftSource, type PgDumpDraft } from './source-drafts';

export { draftFromSpec, draftUrl, emptyDraft, pgUrl, specFromDraft, type DraftSource } from './source-drafts';

type Pg = Extract<DraftSource, { kind: 'postgres' }>;
type My = Extract<DraftSource, { kind: 'mysql' }>;

const TITLES: Readonly<Record<DraftSource['kind'], string>> = { sqlite: 'SQLite database', folder: 'Folder', mysql: 'MariaDB/MySQL database', postgres: 'PostgreSQL' };

/** A text field with the data-testid the e2e specs use. */
function Field({ id, ...props }: { id: string } & React.ComponentProps<typeof TextField>) {
  return <TextField size="small" {...props} slotProps={{ ...props.slotProps, htmlInput: { 'data-testid': id } }} />;
}

/** pgAdmin-style include/exclude options of a PostgreSQL source, one pattern per line. */
function PgDumpFields({ value, onChange, index }: { value: PgDumpDraft; onChange: (v: PgDumpDraft) => void; index: number }) {
  const [open, setOpen] = useState(PG_DUMP_FIELDS.some((f) => value[f.key].trim() !== ''));
  const bad = badPatterns(value);
  return (
    <Box sx={{ display: 'grid', gap: 1 }}>
      <FormControlLabel control={<Switch checked={open} onChange={(e) => setOpen(e.target.checked)} slotProps={{ input: { 'data-testid': `source-${index}-dump-options` } as object }} />} label="Dump options (schemas and tables, as in pgAdmin)" />
      {open && (
        <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' }, gap: 1 }}>
          {PG_DUMP_FIELDS.map((f) => (
            <Field key={f.key} id={`source-${index}-${f.key}`} label={f.label} multiline minRows={1} value={value[f.key]} placeholder="one pattern per line, e.g. public or audit.*" onChange={(e) => onChange({ ...value, [f.key]: e.target.value })} />
          ))}
          {bad.length > 0 && (
            <Alert severity="error" sx={{ gridColumn: '1 / -1' }}>
              A pattern may not start with "-": {bad.join(', ')}
            </Alert>
          )}
        </Box>
      )}
    </Box>
  );
}

function PgFields({ source, onChange, index }: { source: Pg; onChange: (s: DraftSource) => void; index: number }) {
  const server = source.scope === 'server';
  return (
    <>
      <ToggleButtonGroup size="small" exclusive value={source.scope} onChange={(_e, v: Pg['scope'] | null) => v && onChange({ ...source, scope: v })} aria-label="What to back up">
        <ToggleButton value="database" data-testid={`source-${index}-scope-database`}>
          One database
        </ToggleButton>
        <ToggleButton value="server" data-testid={`source-${index}-scope-server`}>
          Whole server
        </ToggleButton>
      </ToggleButtonGroup>
      <Box sx={{ display: 'grid', gridTemplateColumns: '2fr 1fr', gap: 1 }}>
        <Field id={`source-${index}-host`} label="Host or socket folder" value={source.host} onChange={(e) => onChange({ ...source, host: e.target.value })} />
        <Field id={`source-${index}-port`} label="Port" value={source.port} onChange={(e) => onChange({ ...source, port: e.target.value.replace(/\D/g, '') })} />
        <Field id={`source-${index}-database`} label={server ? 'Connect through database (default postgres)' : 'Database'} value={source.database} onChange={(e) => onChange({ ...source, database: e.target.value })} />
        <Field id={`source-${index}-user`} label="User" value={source.user} onChange={(e) => onChange({ ...source, user: e.target.value })} />
      </Box>
      {server && (
        <Field
          id={`source-${index}-databases`}
          label="Databases (comma-separated; empty: all but the templates)"
          value={source.databases}
          onChange={(e) => onChange({ ...source, databases: e.target.value })}
          helperText="Each database is its own dump; roles and tablespaces are kept too (pg_dumpall --globals-only)."
        />
      )}
      <PgDumpFields index={index} value={source.dump} onChange={(dump) => onChange({ ...source, dump })} />
    </>
  );
}

function MysqlFields({ source, onChange, index }: { source: My; onChange: (s: DraftSource) => void; index: number }) {
  return (
    <>
      <ToggleButtonGroup size="small" exclusive value={source.via} onChange={(_e, v: My['via'] | null) => v && onChange({ ...source, via: v })} aria-label="How to connect">
        <ToggleButton value="tcp" data-testid={`source-${index}-via-tcp`}>
          Host and port
        </ToggleButton>
        <ToggleButton value="socket" data-testid={`source-${index}-via-socket`}>
          Local socket
        </ToggleButton>
      </ToggleButtonGroup>
      <Box sx={{ display: 'grid', gridTemplateColumns: '2fr 1fr', gap: 1 }}>
        {source.via === 'tcp' ? (
          <>
            <Field id={`source-${index}-host`} label="Host" value={source.host} onChange={(e) => onChange({ ...source, host: e.target.value })} />
            <Field id={`source-${index}-port`} label="Port" value={source.port} onChange={(e) => onChange({ ...source, port: e.target.value.replace(/\D/g, '') })} />
          </>
        ) : (
          <Field id={`source-${index}-socket`} label="Socket file" value={source.socket} onChange={(e) => onChange({ ...source, socket: e.target.value })} sx={{ gridColumn: '1 / -1' }} />
        )}
        <Field id={`source-${index}-database`} label="Database" value={source.database} onChange={(e) => onChange({ ...source, database: e.target.value })} />
        <Field id={`source-${index}-user`} label="User" value={source.user} onChange={(e) => onChange({ ...source, user: e.target.value })} />
      </Box>
    </>
  );
}

/** One source's fields, with a file picker or "Test connection". `storedFor` is the URL a stored password belongs to. */
export function SourceEditor({ source, onChange, onRemove, index, storedFor }: { source: DraftSource; onChange: (s: DraftSource) => void; onRemove: () => void; index: number; storedFor?: string | undefined }) {
  const [test, setTest] = useState<{ ok: boolean; text: string } | null>(null);
  const url = draftUrl(source);
  const keeps = url !== undefined && storedFor !== undefined && storedFor === url;
  const testConnection = async (): Promise<void> => {
    if (source.kind !== 'postgres' && source.kind !== 'mysql') return;
    setTest(null);
    try {
      const password = source.password ? { password: source.password } : {};
      const r = source.kind === 'mysql' ? await call('profile:test-connection', { kind: 'mysql', url: mysqlUrl(source), ...password }) : await call('profile:test-connection', { url: pgUrl(source), ...password });
      setTest({ ok: true, text: `Connected to "${r.database}" on ${source.kind === 'mysql' ? 'MariaDB/MySQL' : 'PostgreSQL'} ${r.serverVersion}.` });
    } catch (e) {
      const t = errorText(e);
      setTest({ ok: false, text: `${t.message}${t.code ? ` (${t.code})` : ''}` });
    }
  };
  const where = source.kind === 'mysql' ? (source.via === 'socket' ? 'socket, database and user' : 'host, port, database and user') : 'host, port, database and user';
  const fallback = source.kind === 'mysql' ? '~/.my.cnf or MYSQL_PWD' : '~/.pgpass';
  return (
    <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 2, p: 2, display: 'grid', gap: 1.5 }} data-testid={`source-${index}`}>
      <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between' }}>
        <Typography variant="subtitle2">{TITLES[source.kind]}</Typography>
        <IconButton aria-label="Remove source" onClick={onRemove} size="small">
          <DeleteIcon fontSize="small" />
        </IconButton>
      </Box>
      {(source.kind === 'folder' || source.kind === 'sqlite') && (
        <PathField
          size="small"
          label={source.kind === 'sqlite' ? 'Database file' : 'Folder'}
          kind={source.kind}
          empty="Not chosen yet"
          value={source.grant ?? (source.path || null)}
          onChange={(v) => onChange({ ...source, path: v?.displayPath ?? '', grant: v ?? undefined })}
          testId={`source-${index}-path`}
        />
      )}
      {source.kind === 'folder' && (
        <>
          <TextField size="small" label="Include only (one pattern per line, e.g. **/*.pdf; empty: everything)" multiline minRows={1} value={source.include ?? ''} onChange={(e) => onChange({ ...source, include: e.target.value })} slotProps={{ htmlInput: { 'data-testid': `source-${index}-include` } }} />
          <TextField size="small" label="Exclude patterns (one per line, e.g. *.log or node_modules)" multiline minRows={2} value={source.exclude} onChange={(e) => onChange({ ...source, exclude: e.target.value })} />
          <FormControlLabel control={<Switch checked={source.gitignore} onChange={(e) => onChange({ ...source, gitignore: e.target.checked })} />} label="Honour .gitignore files" />
        </>
      )}
      {source.kind === 'postgres' && <PgFields source={source} onChange={onChange} index={index} />}
      {source.kind === 'mysql' && <MysqlFields source={source} onChange={onChange} index={index} />}
      {(source.kind === 'postgres' || source.kind === 'mysql') && (
        <>
          <TextField
            size="small"
            type="password"
            label="Password (kept encrypted by the OS keychain)"
            value={source.password}
            onChange={(e) => onChange({ ...source, password: e.target.value })}
            helperText={
              source.password
                ? `Kept for this ${where} only.`
                : keeps
                  ? 'A password is stored for this server; leave empty to keep it.'
                  : `No password stored for this server (a password is kept only for the ${where} it was entered for): enter it, or use ${fallback}.`
            }
            slotProps={{ htmlInput: { 'data-testid': `source-${index}-password` }, formHelperText: { 'data-testid': `source-${index}-password-state` } as object }}
          />
          <Button onClick={() => void testConnection()} sx={{ justifySelf: 'start' }} data-testid={`source-${index}-test`}>
            Test connection
          </Button>
          {test && (
            <Alert severity={test.ok ? 'success' : 'error'} data-testid={`source-${index}-test-result`}>
              {test.text}
            </Alert>
          )}
        </>
      )}
    </Box>
  );
}
