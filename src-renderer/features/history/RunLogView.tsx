import Accordion from '@mui/material/Accordion';
import AccordionDetails from '@mui/material/AccordionDetails';
import AccordionSummary from '@mui/material/AccordionSummary';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { useQuery } from '../../lib/hooks';

/**
 * A backup's or restore's run log (phases with times, warnings, skipped files, tool and command
 * output), folded away under its line count; open by default when the job failed or warned.
 */
export function RunLogView({ id, open }: { id: string; open?: boolean }) {
  const q = useQuery('run-log:get', { id });
  const log = q.data;
  if (q.data === undefined) return null;
  const lines = log ? log.text.split('\n').length : 0;
  const warnings = log ? (log.text.match(/ {2}(WARNING|ERROR) /g) ?? []).length : 0;
  return (
    <Accordion defaultExpanded={open ?? warnings > 0} disableGutters variant="outlined" sx={{ mb: 2 }} data-testid="run-log">
      <AccordionSummary expandIcon={<ExpandMoreIcon />} aria-controls="run-log-text" id="run-log-title">
        <Typography variant="subtitle2">
          Run log{log ? ` · ${lines} line${lines === 1 ? '' : 's'}${warnings ? ` · ${warnings} warning${warnings === 1 ? '' : 's'} or error${warnings === 1 ? '' : 's'}` : ''}` : ' · none kept (taken before run logs existed, or imported)'}
        </Typography>
      </AccordionSummary>
      {log && (
        <AccordionDetails>
          <Box
            component="pre"
            id="run-log-text"
            tabIndex={0}
            aria-label="Run log"
            data-testid="run-log-text"
            sx={{ m: 0, maxHeight: 320, overflow: 'auto', p: 1.5, borderRadius: 1, bgcolor: 'action.hover', font: '12px/1.5 ui-monospace, Menlo, Consolas, monospace', whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
          >
            {log.text}
          </Box>
        </AccordionDetails>
      )}
    </Accordion>
  );
}
