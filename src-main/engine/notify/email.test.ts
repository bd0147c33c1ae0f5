import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../ipc/dispatch.js';
import { freePort } from '../../../test-support/pg-cluster.js';
import { testEngine } from '../../../test-support/engine.js';
import { makeServices, pickedPath } from '../../../test-support/services.js';
import { startSmtp } from '../../../test-support/smtp.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { writeTree } from '../../../test-support/tree.js';

const ME = { url: 'http://app/', isMainFrame: true };
let stopSmtp: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopSmtp?.();
  stopSmtp = undefined;
});

async function setup(port: number) {
  const { engine } = await testEngine();
  const s = makeServices(engine);
  const call = async (channel: string, payload: unknown) => {
    const r = await dispatch(s, ['http://app'], channel, payload, ME);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as Record<string, unknown>;
  };
  await call('settings:set', { smtp: { host: '127.0.0.1', port, security: 'none', from: 'lifeboat@example.com', to: ['ops@example.com', 'dba@example.com'], onSuccess: true, onFailure: true } });
  const src = await tempDir();
  await writeTree(src, { 'a.txt': 'alpha' });
  await call('profile:save', { name: 'docs', spec: { sources: [{ kind: 'folder', path: src }] }, pathGrants: [pickedPath(s, src)] });
  return { engine, s, call, src };
}

describe('email notifications over a real SMTP server', () => {
  it('sends the four templates with file, size, checksum, actor, trigger, error and action, and an audit reference', async () => {
    const smtp = await startSmtp();
    stopSmtp = smtp.stop;
    const { engine, s, call, src } = await setup(smtp.port);

    await call('backup:start', { profile: 'docs', description: 'nightly' });
    await s.jobs.idle();
    const ok = smtp.messages[0];
    const record = engine.history({ status: 'COMPLETED' }).rows[0];
    expect(ok?.subject).toBe('[Lifeboat] Backup succeeded: docs');
    expect(smtp.envelopes[0]).toEqual(['ops@example.com', 'dba@example.com']);
    expect(ok?.text).toContain(`Backup: ${record?.fileName}`);
    expect(ok?.text).toContain(`SHA-256: ${record?.sha256}`);
    expect(ok?.text).toMatch(/Size: .* \(\d+ bytes\)/);
    expect(ok?.text).toMatch(/Duration: \d/);
    expect(ok?.text).toContain(`Started by: ${engine.env.actor}`);
    expect(ok?.text).toContain('Trigger: MANUAL');
    expect(ok?.html).toContain('<h2 style="color:#15803d">Backup succeeded</h2>');
    expect(ok?.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/^lifeboat-receipt-.*\.html$/)]);
    const auditRef = ok?.headers.get('x-lifeboat-audit') as string;
    const completeEvent = engine.audit.list(50).find((e) => e.action === 'backup.complete');
    expect(auditRef).toBe(`#${completeEvent?.id} ${completeEvent?.hash.slice(0, 16)}`);
    expect(ok?.text).toContain(`Audit reference: ${auditRef}`);

    // Backup failed: the source disappeared (an unmounted disk).
    const { rm } = await import('node:fs/promises');
    await rm(src, { recursive: true });
    await call('backup:start', { profile: 'docs' });
    await s.jobs.idle();
    const failed = smtp.messages[1];
    expect(failed?.subject).toBe('[Lifeboat] Backup FAILED: docs (SOURCE_MISSING)');
    expect(failed?.text).toContain('Error code: SOURCE_MISSING');
    expect(failed?.text).toContain('What to do: Check that the path exists and that its disk is mounted.');

    // Restore succeeded, then a restore that fails its pre-flight check (damaged archive).
    await call('restore:start', { target: { id: record?.id }, options: { toDir: pickedPath(s, join(src, '..', 'restored')) }, confirmName: record?.fileName });
    await s.jobs.idle();
    expect(smtp.messages[2]?.subject).toMatch(/^\[Lifeboat\] Restore succeeded: lifeboat-docs-/);
    expect(smtp.messages[2]?.text).toContain('Archive SHA-256:');
    const { open } = await import('node:fs/promises');
    const fh = await open(record?.path ?? '', 'r+');
    await fh.write(Buffer.from('XX'), 0, 2, 100);
    await fh.close();
    await call('restore:start', { target: { id: record?.id }, options: { toDir: pickedPath(s, join(src, '..', 'again')) }, confirmName: record?.fileName });
    await s.jobs.idle();
    expect(smtp.messages[3]?.subject).toMatch(/^\[Lifeboat\] Restore FAILED: .* \(CHECKSUM_MISMATCH\)$/);
    expect(smtp.messages[3]?.text).toContain('What to do: The file changed since it was written');
    expect(smtp.messages).toHaveLength(4);
  });

  it('a dead SMTP server never fails the backup: the failed delivery is recorded', async () => {
    const { engine, s, call } = await setup(await freePort());
    await call('backup:start', { profile: 'docs' });
    await s.jobs.idle();
    expect(engine.history({}).rows[0]?.status).toBe('COMPLETED');
    const delivery = engine.audit.list(20).find((e) => e.action === 'notify.email');
    expect(delivery).toMatchObject({ outcome: 'failure', details: { error: expect.stringMatching(/ECONNREFUSED/) } });
    expect(await call('settings:test-email', {})).toMatchObject({ sent: false, error: expect.stringMatching(/ECONNREFUSED/) });
  });
});
