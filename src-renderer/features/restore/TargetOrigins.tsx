import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import Typography from '@mui/material/Typography';
import type { RestorePlanView } from '../../../src-shared/ipc/contract';

const ORIGIN: Record<RestorePlanView['targets'][number]['origin'], string> = {
  chosen: 'chosen by you',
  catalog: "this machine's backup",
  recorded: 'recorded in the archive',
};

/**
 * Where each target came from. A target recorded in an archive that did not come from this
 * machine's catalog (imported, dropped, another host) is used only when the user ticks it here
 * (and main confirms it again), or chooses another place above.
 */
export function TargetOrigins({ plan, useRecorded, onUseRecorded }: { plan: RestorePlanView; useRecorded: readonly string[]; onUseRecorded: (source: string, use: boolean) => void }) {
  const recorded = plan.targets.filter((t) => t.origin === 'recorded');
  return (
    <Box sx={{ display: 'grid', gap: 1 }} data-testid="restore-origins">
      {plan.targets.map((t) => (
        <Typography key={t.source} variant="body2" color="text.secondary">
          {t.source} → <span style={{ wordBreak: 'break-all' }}>{t.target}</span> ({ORIGIN[t.origin]})
        </Typography>
      ))}
      {recorded.length > 0 && (
        <Alert severity="warning" data-testid="restore-recorded">
          This archive did not come from this machine&apos;s catalog, so the places it recorded are not used unless you choose them. Choose a place above, or tick:
          {recorded.map((t) => (
            <FormControlLabel
              key={t.source}
              sx={{ display: 'flex' }}
              control={<Checkbox checked={useRecorded.includes(t.source)} onChange={(e) => onUseRecorded(t.source, e.target.checked)} />}
              label={`Restore ${t.source} to ${t.target}, as recorded in the archive`}
            />
          ))}
        </Alert>
      )}
    </Box>
  );
}
