import { open } from 'node:fs/promises';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { EncryptionRecord } from './encryption-repo.js';

/**
 * What an age file says about the key it needs, read from its plain-text header without any key:
 * the stanza types (`scrypt`: a passphrase; `X25519`: one stanza per public key). The public keys
 * themselves are not in the header (each stanza carries an ephemeral share), so the catalog's
 * record, when there is one, is what names them.
 */
export interface AgeHeaderFacts {
  readonly mode: 'passphrase' | 'recipients' | 'other';
  /** How many recipients the file is encrypted to (1 for a passphrase). */
  readonly stanzas: number;
  readonly types: readonly string[];
}

const VERSION_LINE = 'age-encryption.org/v1';
/** The header of a Lifeboat archive is a few hundred bytes; 64 KiB bounds a hostile one. */
const HEADER_LIMIT = 64 * 1024;

/** Read the header of the age file at `path`; ARCHIVE_INVALID when it is not one. */
export async function readAgeHeader(path: string): Promise<AgeHeaderFacts> {
  const fh = await open(path, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(HEADER_LIMIT);
    const { bytesRead } = await fh.read(buf, 0, HEADER_LIMIT, 0);
    text = buf.subarray(0, bytesRead).toString('latin1');
  } finally {
    await fh.close();
  }
  const end = text.indexOf('\n---');
  if (!text.startsWith(`${VERSION_LINE}\n`) || end < 0) {
    throw new LifeboatError('ARCHIVE_INVALID', `${path} ends in .age but is not an age file (no age-encryption.org/v1 header); it is damaged or was renamed.`, { path });
  }
  const types = text
    .slice(0, end)
    .split('\n')
    .filter((l) => l.startsWith('-> '))
    .map((l) => l.slice(3).split(' ')[0] ?? '');
  const mode = types.length === 1 && types[0] === 'scrypt' ? 'passphrase' : types.length > 0 && types.every((t) => t === 'X25519') ? 'recipients' : 'other';
  return { mode, stanzas: types.length, types };
}

/**
 * The error for an encrypted archive opened without a key: it says that the file is encrypted,
 * with what (from the header, and the catalog's public keys if it has them), and which flag opens it.
 */
export function keyNeededError(path: string, facts: AgeHeaderFacts, record: EncryptionRecord | undefined): LifeboatError {
  const what =
    facts.mode === 'passphrase'
      ? 'with a passphrase (scrypt); give --passphrase-file FILE (the passphrase on its first line)'
      : facts.mode === 'recipients'
        ? `to ${facts.stanzas} public key${facts.stanzas === 1 ? '' : 's'}${record?.recipients.length ? ` (${record.recipients.join(', ')})` : ''}; give --identity FILE with the matching private key (AGE-SECRET-KEY-1..., as age-keygen writes)`
        : `to recipients of type ${[...new Set(facts.types)].join(', ')}, which Lifeboat does not open; decrypt it with the age command first`;
  return new LifeboatError('DECRYPT_KEY_MISSING', `${path} is an encrypted Lifeboat archive (age), encrypted ${what}.`, {
    path,
    mode: facts.mode,
    stanzas: facts.stanzas,
    ...(record?.recipients.length ? { recipients: record.recipients } : {}),
  });
}

