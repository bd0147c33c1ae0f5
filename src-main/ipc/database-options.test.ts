import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test-support/engine.js';
import { makeServices } from '../../test-support/services.js';
import { dispatch } from './dispatch.js';

// What a compromised renderer could send for the database options of issue 13: every value is
// checked by the contract's schemas before a handler runs, and nothing is stored or run.

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const FRAME = { url: APP, isMainFrame: true };

async function world() {
  const { engine } = await testEngine();
  const s = makeServices(engine, () => undefined);
  const send = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, FRAME);
  return { engine, s, send };
}

describe('database options from a hostile renderer', () => {
  it('refuses dump patterns that pg_dump would read as options, unknown option keys and bad database lists, and saves nothing', async () => {
    const { engine, send } = await world();
    const bad = [
      { kind: 'postgres', url: 'postgres://u@h:5432/db', dump: { tables: ['--file=/etc/passwd'] } },
      { kind: 'postgres', url: 'postgres://u@h:5432/db', dump: { excludeSchemas: ['ok', '-n'] } },
      { kind: 'postgres', url: 'postgres://u@h:5432/db', dump: { tables: ['a\nb'] } },
      { kind: 'postgres', url: 'postgres://u@h:5432/db', dump: { extraArgs: ['--no-acl'] } },
      { kind: 'postgres', url: 'postgres://u@h:5432/postgres', databases: ['-app'] },
      { kind: 'postgres', url: 'postgres://u@h:5432/postgres', databases: [] },
      { kind: 'postgres', url: 'postgres://u@h:5432/postgres', databases: 'everything' },
    ];
    for (const src of bad) {
      const r = await send('profile:save', { name: 'p', spec: { sources: [src] } });
      expect(r.ok, JSON.stringify(src)).toBe(false);
    }
    expect(engine.profiles.list()).toEqual([]);
  });

  it('keeps MariaDB passwords out of profiles and refuses an unknown Test connection kind', async () => {
    const { engine, send } = await world();
    const r = await send('profile:save', { name: 'm', spec: { sources: [{ kind: 'mysql', url: 'mysql://u:secret@h:3306/db' }] } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('USAGE');
    expect(engine.profiles.list()).toEqual([]);
    const t = await send('profile:test-connection', { kind: 'oracle', url: 'mysql://u@h/db' });
    expect(t.ok).toBe(false);
  });

  it('refuses restore options outside the schema (jobs, sections without pre-data, unknown keys) before any plan is made', async () => {
    const { send } = await world();
    const target = { id: '00000000-0000-4000-8000-000000000000' };
    for (const pg of [{ jobs: 0 }, { jobs: 33 }, { jobs: 1.5 }, { jobs: '2' }, { sections: ['data'] }, { sections: ['pre-data', 'pre-data'] }, { mode: 'drop-first' }, { noOwner: true, extra: '--clean' }]) {
      const r = await send('restore:plan', { target, options: { safetyBackup: true, pg } });
      expect(r.ok, JSON.stringify(pg)).toBe(false);
      if (!r.ok) expect(r.error.message).not.toMatch(/no backup|not found/i);
    }
  });
});
