import type { Command } from 'commander';
import type { ProfileEncryption } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { readIdentityFile, readPassphraseFile, readRecipientsFile, type DecryptionKey, type EncryptionKey } from '../../engine/crypto/age-keys.js';
import { collect } from '../context.js';

/**
 * The CLI's key flags for encryption at rest. Keys come from files (or public keys on the command
 * line): a passphrase is never an argument, since argv is visible to every user in `ps`.
 */

/** Flags of `backup`. */
export interface EncryptFlags {
  readonly recipient?: string[];
  readonly recipientsFile?: string;
  readonly passphraseFile?: string;
}

/** Flags of `verify`, `import`, `restore`. */
export interface DecryptFlags {
  readonly identity?: string;
  readonly passphraseFile?: string;
}

/** `--recipient` (repeatable), `--recipients-file`, `--passphrase-file`. */
export function addEncryptOptions(cmd: Command): Command {
  return cmd
    .option('--recipient <age1...>', 'encrypt the archive (age) to this public key; repeatable; the archive becomes <name>.zip.age', collect)
    .option('--recipients-file <file>', 'encrypt to the public keys in this file (one age1... per line, # comments)')
    .option('--passphrase-file <file>', 'encrypt with the passphrase on the first line of this file (scrypt)');
}

/** `--identity`, `--passphrase-file`. */
export function addDecryptOptions(cmd: Command): Command {
  return cmd
    .option('--identity <file>', 'open an encrypted (.age) archive with this identity file (AGE-SECRET-KEY-1..., as age-keygen writes)')
    .option('--passphrase-file <file>', 'open an encrypted (.age) archive with the passphrase on the first line of this file');
}

/**
 * The encryption of a backup: the flags, else the profile's setting. A profile that encrypts with
 * a passphrase needs --passphrase-file (the CLI cannot read the app's keychain); a backup never
 * quietly runs unencrypted because its key is missing.
 */
export async function encryptionFromFlags(f: EncryptFlags, profile: { name: string; encryption: ProfileEncryption | null } | null): Promise<EncryptionKey | undefined> {
  const recipients = [...(f.recipient ?? []), ...(f.recipientsFile ? await readRecipientsFile(f.recipientsFile) : [])];
  if (recipients.length > 0 && f.passphraseFile) throw new LifeboatError('USAGE', 'Give either recipients (--recipient / --recipients-file) or --passphrase-file, not both: age encrypts to one or the other.');
  if (f.passphraseFile) {
    if (profile?.encryption?.mode === 'recipients') throw new LifeboatError('USAGE', `Profile "${profile.name}" encrypts to recipients; --passphrase-file does not apply (give --recipient to change them for this run).`);
    return { kind: 'passphrase', passphrase: await readPassphraseFile(f.passphraseFile) };
  }
  // Checked by the backup job (checkRecipients), so a bad key, or an empty recipients file, is a
  // FAILED backup on record, never a backup that quietly runs unencrypted.
  if (f.recipient || f.recipientsFile) return { kind: 'recipients', recipients };
  const enc = profile?.encryption;
  if (!enc) return undefined;
  if (enc.mode === 'recipients') return { kind: 'recipients', recipients: enc.recipients };
  // The CLI cannot read the app's keychain: an empty passphrase makes the job fail on record (checkEncryptionKey).
  return { kind: 'passphrase', passphrase: '' };
}

/** The key to open encrypted archives with, if one was given. */
export async function decryptionFromFlags(f: DecryptFlags): Promise<DecryptionKey | undefined> {
  if (f.identity && f.passphraseFile) throw new LifeboatError('USAGE', 'Give either --identity or --passphrase-file, not both.');
  if (f.identity) return readIdentityFile(f.identity);
  if (f.passphraseFile) return { kind: 'passphrase', passphrase: await readPassphraseFile(f.passphraseFile) };
  return undefined;
}
