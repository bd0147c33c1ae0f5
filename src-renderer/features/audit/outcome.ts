import type { AuditOutcome } from '../../../src-shared/domain/enums';

/** An outcome's text colour: theme colours that pass AA contrast on the paper in both modes (see theme.ts). */
export const OUTCOME_COLORS: Record<AuditOutcome, string> = { success: 'success.main', failure: 'error.main', info: 'text.secondary' };
