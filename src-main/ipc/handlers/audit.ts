import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditEventLabel } from '../../../src-shared/domain/audit-events.js';
import { formatDateTime } from '../../../src-shared/domain/format.js';
import { describeTargets } from '../../engine/audit/audit-targets.js';
import { auditCsv, auditJson } from '../../engine/audit/export.js';
import type { HandlerGroup } from '../handler.js';

/** audit:* handlers: the Audit screen's list, export and "Verify integrity". */
export const auditHandlers: HandlerGroup<'audit:query' | 'audit:verify' | 'audit:export'> = {
  'audit:query': async (s, q) => {
    const { rows, total } = s.engine.audit.query(q);
    const targets = describeTargets(s.engine.env.catalog.db, rows);
    return { rows: rows.map(({ prevHash: _p, ...e }) => ({ ...e, label: auditEventLabel(e.action), targetLabel: targets.get(e.id) ?? e.target })), total };
  },

  'audit:verify': async (s) => {
    const r = s.engine.audit.verify();
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'audit.verify', target: 'audit_events', outcome: r.ok ? 'success' : 'failure', details: { checked: r.checked, problem: r.problem ?? null } });
    s.emit('catalog:changed', { reason: 'audit verified' });
    return r;
  },

  'audit:export': async (s, p) => {
    const dir = await s.desktop.pickPath('folder');
    if (!dir) return null;
    const events = s.engine.audit.query({ limit: 10_000_000 }).rows;
    const path = join(dir, `lifeboat-audit-${formatDateTime(s.engine.env.now(), { seconds: false }).slice(0, 10)}.${p.format}`);
    await writeFile(path, p.format === 'csv' ? auditCsv(events) : auditJson(events));
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'audit.export', target: path, outcome: 'success', details: { events: events.length, format: p.format } });
    return { path, events: events.length };
  },
};
