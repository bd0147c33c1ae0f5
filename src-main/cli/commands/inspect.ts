import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { receiptFor } from '../../engine/notify/receipt.js';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format.js';
import type { Manifest } from '../../../src-shared/manifest/schema.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { readManifest } from '../../engine/archive/archive-reader.js';
import type { DecryptionKey } from '../../engine/crypto/age-keys.js';
import { keyNeededError, readAgeHeader, type AgeHeaderFacts } from '../../engine/crypto/age-header.js';
import { isEncryptedPath } from '../../engine/crypto/encrypt-archive.js';
import { withPlainTarget } from '../../engine/crypto/encrypted-archive.js';
import { EncryptionRepo } from '../../engine/crypto/encryption-repo.js';
import type { LifeboatEngine, ResolvedTarget } from '../../engine/lifeboat-engine.js';
import { withEngine } from '../context.js';
import { EXIT, keyValues, printJson, type Io } from '../output.js';
import { addDecryptOptions, decryptionFromFlags, type DecryptFlags } from './key-options.js';

function sourceLine(s: Manifest['sources'][number]): string {
  switch (s.kind) {
    case 'sqlite':
      return `${s.name}: SQLite ${s.path} → ${s.entry}, ${s.tables.length} tables, ${s.totalRows} rows, integrity ${s.integrityCheck}, SQLite ${s.sqliteVersion}`;
    case 'postgres':
      return `${s.name}: PostgreSQL ${s.url} → ${s.entry}, ${s.tables.length} tables, ${s.totalRows} rows, server ${s.serverVersion}, pg_dump ${s.pgDumpVersion}, database ${formatBytes(s.databaseBytes)}`;
    case 'mysql':
      return `${s.name}: MariaDB/MySQL ${s.url} → ${s.entry}, ${s.tables.length} tables, ${s.totalRows} rows, server ${s.serverVersion}, ${s.dumpToolVersion}`;
    case 'folder':
      return `${s.name}: folder ${s.path} → ${s.prefix}, ${s.files} files, ${s.directories} folders, ${s.symlinks} links, ${formatBytes(s.bytes)}${s.skipped.length ? `, ${s.skipped.length} skipped` : ''}`;
  }
}

/**
 * The manifest of a backup, plain or encrypted. An encrypted one is decrypted into the private
 * temp (never beside it) with the key given; without one, the header says what key it needs.
 */
async function manifestOfAny(engine: LifeboatEngine, target: ResolvedTarget, key: DecryptionKey | undefined): Promise<{ manifest: Manifest; encryption: AgeHeaderFacts | null }> {
  if (!isEncryptedPath(target.path) || (target.record && target.record.status !== 'COMPLETED')) {
    return { manifest: await engine.manifestOf(target), encryption: null }; // (the latter says it has no archive)
  }
  const facts = await readAgeHeader(target.path).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new LifeboatError('NOT_FOUND', `The archive ${target.path} is gone from disk.`, { path: target.path });
    throw e;
  });
  if (!key) throw keyNeededError(target.path, facts, target.record ? new EncryptionRepo(engine.env.catalog.db).get(target.record.id) : undefined);
  return { manifest: await withPlainTarget(engine.env, target, key, (plain) => readManifest(plain.path)), encryption: facts };
}

/** `lifeboat info` and `lifeboat verify`. */
export function registerInspect(program: Command, io: Io): void {
  addDecryptOptions(program
    .command('info'))
    .description('show the manifest summary of a backup; an encrypted (.age) one needs --identity FILE or --passphrase-file FILE (without it: exit 1, DECRYPT_KEY_MISSING, saying which key)')
    .argument('<id|archive>', 'a backup id (or unique prefix) from the catalog, or an archive file')
    .action(async (target: string, o: DecryptFlags, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const resolved = await engine.resolve(target);
        const { manifest, encryption } = await manifestOfAny(engine, resolved, await decryptionFromFlags(o));
        const record = resolved.record ?? engine.env.catalog.backups.get(manifest.backupId) ?? null;
        if (json) {
          printJson(io, { ok: true, path: resolved.path, record, manifest, ...(encryption ? { encryption: { mode: encryption.mode, stanzas: encryption.stanzas } } : {}) });
          return EXIT.ok;
        }
        io.out(`Backup ${manifest.backupId}\n`);
        io.out(
          keyValues([
            ['archive', resolved.path],
            ['created', `${formatDateTime(manifest.createdAt)} on ${manifest.host} by ${manifest.user}`],
            ['type', `${manifest.type}, ${manifest.format}, trigger ${manifest.trigger}${manifest.profile ? `, profile ${manifest.profile}` : ''}`],
            ['description', manifest.description || '-'],
            ...(encryption ? [['encryption', `age, ${encryption.mode === 'passphrase' ? 'a passphrase (scrypt)' : `${encryption.stanzas} public key${encryption.stanzas === 1 ? '' : 's'}`}`] as [string, string]] : []),
            ['status', record ? `${record.status}${record.sha256 ? `, sha256 ${record.sha256}` : ''}${record.verifiedAt ? `, verified ${formatDateTime(record.verifiedAt)}` : ''}` : 'not in this catalog'],
            ['totals', `${manifest.totals.files} files, ${manifest.totals.directories} folders, ${manifest.totals.symlinks} links, ${formatBytes(manifest.totals.bytes)}, ${manifest.totals.rows} rows`],
            ['tools', Object.entries(manifest.tools).map(([k, v]) => `${k} ${v}`).join(', ')],
          ]),
        );
        io.out('Sources:\n');
        for (const s of manifest.sources) io.out(`  - ${sourceLine(s)}\n`);
        io.out('File types:\n');
        for (const t of manifest.fileTypes.slice(0, 12)) io.out(`  ${(t.ext || '(none)').padEnd(10)} ${String(t.count).padStart(7)} files  ${formatBytes(t.bytes)}\n`);
        for (const w of record?.warnings ?? []) io.out(`warning: ${w.message}\n`);
        return EXIT.ok;
      });
    });

  addDecryptOptions(program
    .command('verify'))
    .description('re-hash a backup against the catalog (or its .sha256 sidecar) and every entry against the manifest; integrity_check the SQLite databases inside')
    .argument('<id|archive>', 'a backup id (or unique prefix), or an archive file')
    .option('--quick', 'only re-hash the whole archive against its recorded checksum (like sha256sum -c); does not count as a full verification')
    .action(async (target: string, o: { quick?: boolean } & DecryptFlags, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine, json }) => {
        const key = await decryptionFromFlags(o);
        const report = await engine.verify(await engine.resolve(target), undefined, { quick: o.quick === true, ...(key ? { key } : {}) });
        if (json) {
          const { manifest: _m, ...rest } = report;
          printJson(io, { ...rest });
        } else if (report.ok) {
          io.out(
            `OK: ${report.path}\n  sha256 ${report.sha256} (matches the ${report.checksumSource === 'none' ? 'nothing: no checksum on record' : report.checksumSource})\n${o.quick ? '  quick check: entries were not read\n' : `  ${report.entriesChecked} entries checked, ${report.databasesChecked} SQLite databases pass integrity_check and row counts\n`}`,
          );
        } else {
          io.err(`FAILED: ${report.path}\n`);
          for (const p of report.problems) io.err(`  ${p.path}: ${p.problem}\n`);
        }
        return report.ok ? EXIT.ok : EXIT.verifyFailed;
      });
    });
}

/** `lifeboat receipt`. */
export function registerReceipt(program: Command, io: Io): void {
  program
    .command('receipt')
    .description('an HTML receipt of a backup or restore (what, where, checksums, verification, operator, audit reference)')
    .argument('<id>', 'a backup or restore id (or unique prefix)')
    .option('--out <file>', 'write the HTML here instead of stdout')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      process.exitCode = await withEngine(cmd, io, async ({ engine }) => {
        const r = await receiptFor(engine.env, id);
        const out = cmd.opts<{ out?: string }>().out;
        if (out) {
          await writeFile(out, r.html);
          io.err(`Wrote ${out} (${r.subject})\n`);
        } else io.out(r.html);
        return EXIT.ok;
      });
    });
}
