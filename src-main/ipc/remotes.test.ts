import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileSpecSchema } from '../../src-shared/domain/profile.js';
import type { Events } from '../../src-shared/ipc/contract.js';
import { folder, testEngine } from '../../test-support/engine.js';
import { startS3 } from '../../test-support/remote-servers.js';
import { makeServices } from '../../test-support/services.js';
import { tempDir } from '../../test-support/temp-dir.js';
import { dispatch } from './dispatch.js';
import { copyToProfileRemotes } from './handlers/remotes.js';

const APP = 'file:///opt/Lifeboat/resources/app.asar/out/renderer/index.html';
const main = { url: APP, isMainFrame: true };

describe('remote:* handlers and the app backup job', () => {
  it('copies a profile backup to its remote after the local commit (keys from the keychain), says so in the job summary and notification; a missing bucket fails the copy, not the backup', async () => {
    const s3 = await startS3();
    const { engine } = await testEngine();
    const events: { e: keyof Events; p: unknown }[] = [];
    const s = makeServices(engine, (e, p) => void events.push({ e, p }));
    s.settings.set({ notifications: true });
    const src = await tempDir();
    await writeFile(join(src, 'a.txt'), 'a');
    const good = `s3://${s3.bucket}/app`;
    const now = new Date().toISOString();
    engine.profiles.add('office', profileSpecSchema.parse({ sources: [folder(src, { name: 'data' })], remotes: [{ url: good, s3Endpoint: s3.endpoint, s3PathStyle: true }] }), now);
    engine.profiles.add('broken', profileSpecSchema.parse({ sources: [folder(src, { name: 'data' })], remotes: [{ url: 's3://no-such-bucket/x', s3Endpoint: s3.endpoint, s3PathStyle: true }] }), now);
    for (const url of [good, 's3://no-such-bucket/x']) {
      expect(await dispatch(s, [APP], 'remote:set-secrets', { url, s3Endpoint: s3.endpoint, s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' }, main)).toEqual({ ok: true, value: null });
    }
    expect([...s.secretMap.keys()]).toContain('remote:s3://lifeboat-test/app:s3SecretAccessKey');

    expect(await dispatch(s, [APP], 'backup:start', { profile: 'office', description: '' }, main)).toMatchObject({ ok: true });
    await s.jobs.idle();
    expect(await dispatch(s, [APP], 'backup:start', { profile: 'broken', description: '' }, main)).toMatchObject({ ok: true });
    await s.jobs.idle();
    const finished = events.filter((x) => x.e === 'job:finished').map((x) => x.p as { result: { ok: boolean; value?: { summary: string; id: string } } });
    expect(finished.map((f) => f.result.ok)).toEqual([true, true]);
    expect(finished[0]?.result.value?.summary).toContain('off-site copy verified on 1 remote(s)');
    expect(finished[1]?.result.value?.summary).toContain('off-site copy FAILED on s3://no-such-bucket/x (REMOTE_NOT_FOUND)');
    expect(s.desktop.notifications.map((n) => n.body)).toEqual([expect.stringContaining('verified'), expect.stringContaining('FAILED')]);

    const copies = await dispatch(s, [APP], 'remote:list-copies', {}, main);
    expect(copies).toMatchObject({ ok: true, value: [{ remoteId: good, state: 'VERIFIED' }, { remoteId: 's3://no-such-bucket/x', state: 'FAILED', errorCode: 'REMOTE_NOT_FOUND' }] });
    expect(JSON.stringify(copies)).not.toContain('S3RVER');
  });

  it('a copy that cannot even start (the backup row is gone) is FAILED on every remote of the profile and audited, never an empty, silent answer', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const src = await tempDir();
    engine.profiles.add('office', profileSpecSchema.parse({ sources: [folder(src, { name: 'data' })], remotes: [{ url: 's3://bucket-one/x' }, { url: 'rclone:two:path' }] }), new Date().toISOString());
    const outcomes = await copyToProfileRemotes(s, 'office', 'no-such-backup');
    expect(outcomes.map((o) => [o.remoteId, o.state, o.errorCode])).toEqual([
      ['s3://bucket-one/x', 'FAILED', 'NOT_FOUND'],
      ['rclone:two:path', 'FAILED', 'NOT_FOUND'],
    ]);
    const audited = engine.audit.list(20).filter((e) => e.action === 'remote.copy');
    expect(audited).toMatchObject([{ outcome: 'failure', target: 'no-such-backup' }]);
  });

  it('refuses a trust-host-key request whose line is not the fingerprint shown', async () => {
    const { engine } = await testEngine();
    const s = makeServices(engine);
    const r = await dispatch(s, [APP], 'remote:trust-host-key', { url: 'sftp://root@127.0.0.1:2222/x', fingerprint: `SHA256:${'A'.repeat(43)}`, knownHostsLine: '[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl' }, main);
    expect(r).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('nothing was trusted') } });
  });
});
