import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import type { Schedule } from '../../../src-shared/domain/schedule';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
type Preset = Schedule['preset'] | 'none';

/** Presets (hourly, daily at a time, weekly on a day) or a cron expression, and catch-up. */
export function ScheduleFields({ value, onChange }: { value: Schedule | null; onChange: (s: Schedule | null) => void }) {
  const preset: Preset = value?.preset ?? 'none';
  const base: Schedule = value ?? { preset: 'daily', time: '02:00', weekday: 0, enabled: true, catchUp: true };
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr 1fr', gap: 2, alignItems: 'center' }}>
      <TextField select label="Runs" value={preset} onChange={(e) => onChange(e.target.value === 'none' ? null : { ...base, preset: e.target.value as Schedule['preset'] })}>
        <MenuItem value="none">Only when started</MenuItem>
        <MenuItem value="hourly">Hourly</MenuItem>
        <MenuItem value="daily">Daily</MenuItem>
        <MenuItem value="weekly">Weekly</MenuItem>
        <MenuItem value="cron">Cron expression</MenuItem>
      </TextField>
      {value && value.preset !== 'cron' && <TextField
          // A text field, not type="time": Chromium shows a 12-hour clock in some locales, and the app reads
          // every time as 24-hour HH:MM.
          label={value.preset === 'hourly' ? 'At minute (HH:MM, minute used)' : 'At (24-hour HH:MM)'}
          value={value.time}
          onChange={(e) => onChange({ ...value, time: e.target.value })}
          error={!/^([01]\d|2[0-3]):[0-5]\d$/.test(value.time)}
          helperText={/^([01]\d|2[0-3]):[0-5]\d$/.test(value.time) ? undefined : 'Type a 24-hour time, e.g. 02:30 or 23:15'}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { inputMode: 'numeric', maxLength: 5, 'data-testid': 'schedule-time' } }}
        />}
      {value?.preset === 'weekly' && (
        <TextField select label="On" value={value.weekday} onChange={(e) => onChange({ ...value, weekday: Number(e.target.value) })}>
          {WEEKDAYS.map((d, i) => (
            <MenuItem key={d} value={i}>
              {d}
            </MenuItem>
          ))}
        </TextField>
      )}
      {value?.preset === 'cron' && <TextField label="Cron (minute hour day month weekday)" value={value.cron ?? ''} onChange={(e) => onChange({ ...value, cron: e.target.value })} placeholder="0 3 * * 1-5" />}
      {value && (
        <FormControlLabel
          sx={{ gridColumn: '1 / -1' }}
          control={<Switch checked={value.catchUp} onChange={(e) => onChange({ ...value, catchUp: e.target.checked })} />}
          label="Catch up once on start if a run was missed while Lifeboat was closed"
        />
      )}
    </Box>
  );
}
