import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TextField from '@mui/material/TextField';
import type { GrantKind, PathRef } from '../../src-shared/ipc/contract';
import { useNotify } from '../app/notify';
import { call } from '../lib/api';

/**
 * A path the user chooses in the native dialog, never types: main returns a grant
 * `{token, displayPath}` that requests send back. `value` is the grant, or a plain path already
 * stored (an existing profile's), shown as is.
 */
export function PathField({ label, kind, value, onChange, empty, testId, size }: {
  label: string;
  kind: GrantKind;
  value: PathRef | string | null;
  onChange: (v: PathRef | null) => void;
  /** Shown when nothing is chosen (what happens then). */
  empty: string;
  testId?: string;
  size?: 'small' | 'medium';
}) {
  const notify = useNotify();
  const shown = value === null ? '' : typeof value === 'string' ? value : value.displayPath;
  const choose = async (): Promise<void> => {
    try {
      const grant = await call('dialog:pick-path', { kind });
      if (grant) onChange(grant);
    } catch (e) {
      notify.failure(e, label);
    }
  };
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
      <TextField
        size={size ?? 'medium'}
        fullWidth
        label={label}
        value={shown}
        placeholder={empty}
        slotProps={{ input: { readOnly: true }, inputLabel: { shrink: true }, htmlInput: testId ? { 'data-testid': testId } : {} }}
      />
      <Button onClick={() => void choose()} data-testid={testId ? `${testId}-choose` : undefined} sx={{ whiteSpace: 'nowrap' }}>
        {kind === 'folder' ? 'Choose folder…' : 'Choose file…'}
      </Button>
      {value !== null && (
        <Button color="inherit" onClick={() => onChange(null)} data-testid={testId ? `${testId}-clear` : undefined}>
          Clear
        </Button>
      )}
    </Box>
  );
}
