import Box from '@mui/material/Box';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';

/** A hook as edited: one argument per line (no shell: each line is passed as it is), and seconds. */
export interface DraftHook {
  argv: string;
  timeout: string;
}

/** Lines to argv (empty lines dropped); null when no program is given. */
export function hookFromDraft(d: DraftHook): { argv: string[]; timeoutSeconds: number } | null {
  const argv = d.argv.split('\n').map((x) => x.replace(/\r$/, '')).filter((x) => x.trim() !== '');
  if (argv.length === 0) return null;
  const t = Math.floor(Number(d.timeout));
  return { argv, timeoutSeconds: Number.isFinite(t) && t >= 1 ? Math.min(t, 86_400) : 300 };
}

/** argv to lines. */
export function draftFromHook(h: { argv: readonly string[]; timeoutSeconds: number } | null): DraftHook {
  return { argv: h ? h.argv.join('\n') : '', timeout: String(h?.timeoutSeconds ?? 300) };
}

/** Pre- and post-backup commands: program and arguments one per line, and a time limit each. */
export function HookFields({ pre, post, onChange }: { pre: DraftHook; post: DraftHook; onChange: (side: 'pre' | 'post', d: DraftHook) => void }) {
  const one = (side: 'pre' | 'post', d: DraftHook) => (
    <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 9rem', gap: 1.5, alignItems: 'start' }}>
      <TextField
        size="small"
        multiline
        minRows={2}
        label={side === 'pre' ? 'Before the backup (program, then one argument per line)' : 'After the backup (program, then one argument per line)'}
        placeholder={side === 'pre' ? '/usr/bin/systemctl\nstop\nmyapp' : '/usr/bin/systemctl\nstart\nmyapp'}
        value={d.argv}
        onChange={(e) => onChange(side, { ...d, argv: e.target.value })}
        slotProps={{ htmlInput: { 'data-testid': `hook-${side}-argv`, spellCheck: false, style: { fontFamily: 'ui-monospace, Menlo, Consolas, monospace' } } }}
      />
      <TextField size="small" label="Time limit (s)" value={d.timeout} onChange={(e) => onChange(side, { ...d, timeout: e.target.value.replace(/\D/g, '') })} slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': `hook-${side}-timeout` } }} />
    </Box>
  );
  return (
    <Box sx={{ display: 'grid', gap: 1.5 }}>
      <Typography variant="body2" color="text.secondary">
        No shell is used: each line is one argument, passed as written. If the command before fails or runs out of time, the backup fails and does not run (its output is in the run log); the command after always runs once the one before succeeded, and its failure is a warning. A command out of time is stopped with every process it started.
      </Typography>
      {one('pre', pre)}
      {one('post', post)}
    </Box>
  );
}
