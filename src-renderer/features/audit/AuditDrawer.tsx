import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Drawer from '@mui/material/Drawer';
import Typography from '@mui/material/Typography';
import { useEffect, useRef, type ReactNode } from 'react';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format';
import type { AuditEventView } from '../../../src-shared/ipc/contract';
import { OUTCOME_COLORS } from './outcome';

/** Keys whose numbers are byte counts or whose strings are times: shown as the app shows them elsewhere. */
const BYTES = new Set(['size', 'bytes', 'writeBytes', 'overwriteBytes']);
const TIMES = /(At|_at|^at|^ts)$/;

function humanKey(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function DetailValue({ name, value }: { name: string; value: unknown }) {
  if (value === null || value === undefined || value === '') return <Typography variant="body2" color="text.secondary">none</Typography>;
  if (typeof value === 'number' && BYTES.has(name)) return <Typography variant="body2">{`${formatBytes(value)} (${value} bytes)`}</Typography>;
  if (typeof value === 'string' && TIMES.test(name) && !Number.isNaN(Date.parse(value))) return <Typography variant="body2">{formatDateTime(value)}</Typography>;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return (
      <Typography variant="body2" sx={{ overflowWrap: 'anywhere', fontFamily: typeof value === 'string' && /^[0-9a-f]{32,}$/.test(value) ? 'monospace' : undefined }}>
        {typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value)}
      </Typography>
    );
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.length === 0 ? (
      <Typography variant="body2" color="text.secondary">none</Typography>
    ) : (
      <Box component="ul" sx={{ m: 0, pl: 2.5, typography: 'body2', overflowWrap: 'anywhere' }}>
        {value.map((v, i) => (
          <li key={i}>{String(v)}</li>
        ))}
      </Box>
    );
  }
  return (
    <Box component="pre" sx={{ m: 0, p: 1, bgcolor: 'action.hover', borderRadius: 1, fontSize: 12, overflowX: 'auto', whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
      {JSON.stringify(value, null, 2)}
    </Box>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <Typography component="dt" variant="caption" color="text.secondary" sx={{ fontWeight: 600, mt: 1.5 }}>
        {label}
      </Typography>
      <Box component="dd" sx={{ m: 0 }}>
        {children}
      </Box>
    </>
  );
}

/** One audit event in full: time, who, what, on what, the details as labelled fields, the hash. */
export function AuditDrawer({ event, onClose }: { event: AuditEventView | null; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Focus lands on the heading, so a screen reader announces which event opened (not "dialog").
  useEffect(() => {
    if (event) requestAnimationFrame(() => heading.current?.focus());
  }, [event]);
  return (
    <Drawer anchor="right" open={event !== null} onClose={onClose} slotProps={{ paper: { sx: { width: { xs: 380, md: 460 }, p: 3 }, role: 'dialog', 'aria-labelledby': 'audit-drawer-title' } as object }} data-testid="audit-drawer">
      {event && (
        <Box>
          <Typography id="audit-drawer-title" ref={heading} tabIndex={-1} variant="h6" component="h2" sx={{ fontWeight: 700, outline: 'none' }}>
            {event.label}
          </Typography>
          <Typography variant="body2" color="text.secondary">
            Event #{event.id} · <Box component="span" sx={{ fontFamily: 'monospace' }}>{event.action}</Box>
          </Typography>
          <Box component="dl" sx={{ m: 0 }}>
            <Field label="Time">
              <Typography variant="body2">{formatDateTime(event.ts)}</Typography>
            </Field>
            <Field label="Outcome">
              <Typography variant="body2" sx={{ color: OUTCOME_COLORS[event.outcome], fontWeight: 700 }}>
                {event.outcome}
              </Typography>
            </Field>
            <Field label="Who">
              <Typography variant="body2">{event.actor}</Typography>
            </Field>
            <Field label="Target">
              <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
                {event.targetLabel}
              </Typography>
              {event.targetLabel !== event.target && (
                <Typography variant="caption" color="text.secondary" sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }} component="div">
                  {event.target}
                </Typography>
              )}
            </Field>
            {Object.entries(event.details).map(([k, v]) => (
              <Field key={k} label={humanKey(k)}>
                <DetailValue name={k} value={v} />
              </Field>
            ))}
            <Field label="Hash (SHA-256, chained to the event before)">
              <Typography variant="body2" sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>
                {event.hash}
              </Typography>
            </Field>
          </Box>
          <Box sx={{ mt: 3, display: 'flex', justifyContent: 'flex-end' }}>
            <Button variant="contained" onClick={onClose} data-testid="audit-drawer-close">
              Close
            </Button>
          </Box>
        </Box>
      )}
    </Drawer>
  );
}
