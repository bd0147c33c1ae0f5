import { readFile } from 'node:fs/promises';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';

/**
 * The keys of encryption at rest (the age format). Secrets live only in these values, in the OS
 * keychain (the app) or in the user's own key files (the CLI): never in the catalog, a log or an
 * error message. Every message below names the file or the position, never the key text.
 */

/** What a backup is encrypted to: one passphrase (scrypt), or X25519 recipients (`age1...`). */
export type EncryptionKey =
  | { readonly kind: 'passphrase'; readonly passphrase: string }
  | { readonly kind: 'recipients'; readonly recipients: readonly string[] };

/** What opens an encrypted archive: a passphrase, or identities (`AGE-SECRET-KEY-1...`). */
export type DecryptionKey =
  | { readonly kind: 'passphrase'; readonly passphrase: string }
  | { readonly kind: 'identity'; readonly identities: readonly string[] };

/** The mode recorded in the catalog (never the key itself). */
export type EncryptionMode = EncryptionKey['kind'];

const RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

/**
 * Check recipients before anything is written: a typo must fail the backup up front, loudly, and
 * the library's own check (a bech32 decode) is the judge, so what passes here also encrypts.
 */
export function checkRecipients(recipients: readonly string[], where: string): readonly string[] {
  if (recipients.length === 0) throw new LifeboatError('ENCRYPTION_FAILED', `No age recipient in ${where}: give at least one public key (age1...).`, { where });
  recipients.forEach((r, i) => {
    let ok = RECIPIENT.test(r);
    if (ok) {
      try {
        new Encrypter().addRecipient(r);
      } catch {
        ok = false;
      }
    }
    // The text of a public key is not secret, but a pasted private key would be: show neither.
    if (!ok) throw new LifeboatError('ENCRYPTION_FAILED', `Recipient ${i + 1} in ${where} is not an age X25519 public key (age1 followed by 58 characters); the backup was not started.`, { where, position: i + 1 });
  });
  return recipients;
}

/**
 * Check a backup's key before anything is written. An empty passphrase is how a caller says "this
 * profile encrypts with a passphrase, and I do not have it" (the app's keychain has none, the CLI
 * was given no --passphrase-file): the backup fails on record rather than running unencrypted.
 */
export function checkEncryptionKey(key: EncryptionKey, profile: string | null): void {
  if (key.kind === 'recipients') {
    checkRecipients(key.recipients, 'the backup request');
    return;
  }
  if (key.passphrase.length === 0) {
    throw new LifeboatError(
      'ENCRYPTION_FAILED',
      `${profile ? `Profile "${profile}"` : 'This backup'} encrypts with a passphrase, and none was given: set it in the profile's Encryption settings (the app keeps it in the keychain), or pass --passphrase-file FILE (CLI). Nothing was written.`,
      profile ? { profile } : {},
    );
  }
}

/** Key lines of an age key file: blank lines and `#` comments are skipped, as the age tool does. */
function keyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

async function readKeyFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new LifeboatError('USAGE', `Cannot read the ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { path });
  }
}

/**
 * A recipients file (`age -R` format: one `age1...` per line, `#` comments). The lines are checked
 * by the backup job itself (checkRecipients), so a bad key fails the backup with a FAILED row.
 */
export async function readRecipientsFile(path: string): Promise<readonly string[]> {
  return keyLines(await readKeyFile(path, 'recipients'));
}

/** An identity file (`age-keygen` output: `AGE-SECRET-KEY-1...` lines, `#` comments). */
export async function readIdentityFile(path: string): Promise<DecryptionKey> {
  const lines = keyLines(await readKeyFile(path, 'identity'));
  const identities = lines.filter((l) => IDENTITY.test(l));
  if (identities.length === 0 || identities.length !== lines.length) {
    throw new LifeboatError('USAGE', `${path} is not an age identity file: every line must be AGE-SECRET-KEY-1... (as age-keygen writes) or a # comment.`, { path });
  }
  return { kind: 'identity', identities };
}

/** The passphrase is the file's first line (without its line ending); nothing else is read. */
export async function readPassphraseFile(path: string): Promise<string> {
  const first = (await readKeyFile(path, 'passphrase')).split(/\r?\n/)[0] ?? '';
  if (first.length === 0) throw new LifeboatError('USAGE', `The passphrase file ${path} is empty; its first line is the passphrase.`, { path });
  return first;
}

/** A new X25519 key pair (for the app's "create a key" and tests). */
export async function generateKeyPair(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** The public half of an identity (to show in the recovery kit which key a backup needs). */
export async function recipientOf(identity: string): Promise<string> {
  if (!IDENTITY.test(identity)) throw new LifeboatError('USAGE', 'The identity is not an age X25519 secret key (AGE-SECRET-KEY-1...).');
  return identityToRecipient(identity);
}
