import { describe, expect, it } from 'vitest';
import { RunLog } from './run-log.js';

describe('run log secrets (adversary review)', () => {
  it('masks passwords in any URL, conninfo or --password argument, whichever way the line is written (info, warn, error, tool output)', () => {
    const log = new RunLog(() => new Date('2026-01-01T00:00:00Z'));
    log.info('running the pre-backup command `curl -fsS https://ping:tok3n-AAA@hc.example/ping`');
    log.warn('mirror at sftp://u:pw-BBB@host/x and s3://KEYID:sec-CCC@bucket/p failed');
    log.error('USAGE: cannot reach "host=db user=app password=pw-DDD dbname=crm"');
    log.output('post', "mysqldump --password=pw-EEE -u root\nPGPASSWORD=pw-FFF pg_dump 'password = pw-GGG'\n");
    const text = log.text();
    for (const secret of ['tok3n-AAA', 'pw-BBB', 'sec-CCC', 'pw-DDD', 'pw-EEE', 'pw-FFF', 'pw-GGG']) expect(text).not.toContain(secret);
    expect(text).toContain('https://ping:***@hc.example/ping');
    expect(text).toContain('dbname=crm');
  });
});
