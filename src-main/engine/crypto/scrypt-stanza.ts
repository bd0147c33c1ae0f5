import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { Stanza, type Identity, type Recipient } from 'age-encryption';

/**
 * The age passphrase (scrypt) recipient and identity, with the key derivation on Node's thread
 * pool instead of the calling thread. The library's own ScryptRecipient/ScryptIdentity run scrypt
 * (work factor 2^18, 256 MiB) synchronously in JavaScript: 1–5 s in which the Electron main process
 * answers no IPC, paints no progress and handles no signal. `crypto.scrypt` is the same function
 * (RFC 7914, OpenSSL) and runs in libuv's pool, so the event loop keeps turning while it works.
 * Everything else (stanza layout, labels, checks) follows the age spec and the library's code, so
 * the files are byte-compatible both ways (encryption.test.ts decrypts with the library and `age`).
 */

const LABEL = 'age-encryption.org/v1/scrypt';
/** The age default, and the library's: about a second of work on a laptop. */
export const SCRYPT_WORK_FACTOR = 18;
/** age refuses more on decryption (a hostile header could ask for gigabytes of memory). */
const MAX_LOG_N = 20;

function base64NoPad(b: Uint8Array): string {
  return Buffer.from(b).toString('base64').replace(/=+$/, '');
}

/** Strict unpadded base64 (Buffer's decoder accepts anything; age rejects non-canonical text). */
function fromBase64NoPad(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*$/.test(s)) return null;
  const b = Buffer.from(s, 'base64');
  return base64NoPad(b) === s ? new Uint8Array(b) : null;
}

/** The derivation running now (or resolved): each waits for the one before it. */
let lastDerivation: Promise<unknown> = Promise.resolve();
let running = 0;

/** How many scrypt derivations run at this moment (0 or 1; tests). */
export function derivationsRunning(): number {
  return running;
}

/**
 * One scrypt derivation at a time in this process: an age header may ask for up to 2^20 work
 * (1 GiB of memory), and a renderer or a script starting several imports at once must not
 * multiply that. The queue keeps the memory of derivations to one at any moment.
 */
function deriveKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Buffer> {
  const next = lastDerivation.then(
    () => deriveKeyNow(passphrase, salt, logN),
    () => deriveKeyNow(passphrase, salt, logN),
  );
  lastDerivation = next.catch(() => undefined);
  return next;
}

async function deriveKeyNow(passphrase: string, salt: Uint8Array, logN: number): Promise<Buffer> {
  running += 1;
  try {
    return await scryptOnce(passphrase, salt, logN);
  } finally {
    running -= 1;
  }
}

function scryptOnce(passphrase: string, salt: Uint8Array, logN: number): Promise<Buffer> {
  const salted = Buffer.concat([Buffer.from(LABEL, 'utf8'), salt]);
  const N = 2 ** logN;
  // scrypt needs 128·N·r bytes; Node refuses above maxmem (32 MiB by default).
  const maxmem = 128 * N * 8 + 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salted, 32, { N, r: 8, p: 1, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const ZERO_NONCE = Buffer.alloc(12);

function sealFileKey(fileKey: Uint8Array, key: Buffer): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  return new Uint8Array(Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]));
}

function openFileKey(body: Uint8Array, key: Buffer): Uint8Array | null {
  if (body.length !== 32) throw new Error('invalid stanza');
  const d = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
  d.setAuthTag(body.subarray(16));
  try {
    return new Uint8Array(Buffer.concat([d.update(body.subarray(0, 16)), d.final()]));
  } catch {
    return null; // another passphrase: "no identity matched", not damage
  }
}

/** Encrypts the file key to a passphrase (what `age -p` writes). */
export class PassphraseRecipient implements Recipient {
  constructor(
    private readonly passphrase: string,
    private readonly logN = SCRYPT_WORK_FACTOR,
  ) {}

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = randomBytes(16);
    const key = await deriveKey(this.passphrase, salt, this.logN);
    return [new Stanza(['scrypt', base64NoPad(salt), String(this.logN)], sealFileKey(fileKey, key))];
  }
}

/** Opens a file encrypted to a passphrase; null (not an error) when the passphrase is another one. */
export class PassphraseIdentity implements Identity {
  constructor(private readonly passphrase: string) {}

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    for (const s of stanzas) {
      if (s.args[0] !== 'scrypt') continue;
      // The library's wording, which age-stream.ts classifies.
      if (stanzas.length !== 1) throw new Error('scrypt recipient is not the only one in the header');
      const [, saltText, logNText] = s.args;
      if (s.args.length !== 3 || saltText === undefined || logNText === undefined || !/^[1-9][0-9]*$/.test(logNText)) throw new Error('invalid scrypt stanza');
      const salt = fromBase64NoPad(saltText);
      if (!salt || salt.length !== 16) throw new Error('invalid scrypt stanza');
      const logN = Number(logNText);
      if (logN > MAX_LOG_N) throw new Error('scrypt work factor is too high');
      const fileKey = openFileKey(s.body, await deriveKey(this.passphrase, salt, logN));
      if (fileKey !== null) return fileKey;
    }
    return null;
  }
}
