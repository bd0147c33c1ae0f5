import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../ipc/dispatch.js';
import { freePort } from '../../../test-support/pg-cluster.js';
import { testEngine } from '../../../test-support/engine.js';
import { makeServices, pickedPath } from '../../../test-support/services.js';
import { startSmtp } from '../../../test-support/smtp.js';
import { startS3 } from '../../../test-support/remote-servers.js';
import { tempDir } from '../../../test-support/temp-dir.js';
import { receiptFor } from './receipt.js';
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

  it('a backup with one working and one failing remote: the email names both, VERIFIED and FAILED with the reason; the receipt shows a remote added later as PENDING', async () => {
    const smtp = await startSmtp();
    stopSmtp = smtp.stop;
    const s3 = await startS3();
    const { engine, s, call, src } = await setup(smtp.port);
    const good = { url: 's3://lifeboat-test/mail', s3Endpoint: s3.endpoint, s3Region: 'us-east-1', s3PathStyle: true };
    // A bucket that does not exist on the server: the upload fails with the server's reason.
    const bad = { url: 's3://lifeboat-missing/mail', s3Endpoint: s3.endpoint, s3Region: 'us-east-1', s3PathStyle: true };
    for (const r of [good, bad]) await call('remote:set-secrets', { url: r.url, s3Endpoint: r.s3Endpoint, s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' });
    await call('profile:save', { name: 'docs', spec: { sources: [{ kind: 'folder', path: src }], remotes: [good, bad] }, replace: true });

    await call('backup:start', { profile: 'docs' });
    await s.jobs.idle();
    const record = engine.history({ status: 'COMPLETED' }).rows[0];
    const mail = smtp.messages[0];
    expect(engine.history({}).rows[0]?.status).toBe('COMPLETED');
    expect(mail?.subject).toBe('[Lifeboat] Backup succeeded, off-site copy FAILED: docs');
    expect(mail?.text).toContain('Off-site copy: FAILED on 1 of 2 remote(s); the local backup is kept');
    expect(mail?.text).toMatch(/^Off-site s3:\/\/lifeboat-test\/mail: VERIFIED: size and SHA-256 checked \((server-checksum|read-back)\)/m);
    expect(mail?.text).toMatch(/^Off-site s3:\/\/lifeboat-missing\/mail: FAILED: [A-Z_]+: .*(NoSuchBucket|bucket).*"lifeboat remote sync" retries/im);
    expect(mail?.html).toContain('Off-site s3://lifeboat-missing/mail');
    expect(mail?.html).toContain('<h2 style="color:#b45309">Backup succeeded, off-site copy FAILED</h2>');
    expect(mail?.text).toMatch(/^Backup succeeded\. The off-site copy FAILED/);

    // A remote added to the profile after the backup has no copy yet: the receipt says PENDING.
    const later = { url: 's3://lifeboat-test/later', s3Endpoint: s3.endpoint, s3Region: 'us-east-1', s3PathStyle: true };
    await call('profile:save', { name: 'docs', spec: { sources: [{ kind: 'folder', path: src }], remotes: [good, bad, later] }, replace: true });
    const receipt = await receiptFor(engine.env, record?.id ?? '');
    expect(receipt.text).toContain('Off-site s3://lifeboat-test/later: PENDING: not uploaded yet');
    expect(receipt.text).toContain('Off-site s3://lifeboat-test/mail: VERIFIED');
    expect(receipt.text).toContain('Off-site s3://lifeboat-missing/mail: FAILED');
  });
});
