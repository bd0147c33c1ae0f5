import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Decrypter, Encrypter } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test-support/temp-dir.js';
import { decryptFile, encryptFile } from './age-stream.js';
import { derivationsRunning, PassphraseIdentity, PassphraseRecipient } from './scrypt-stanza.js';

const PASSPHRASE = 'lantern-quarry-mosaic-17';

/**
 * Counts turns of the event loop (setImmediate runs once per turn, after I/O) until `work`
 * settles. A key derivation done on the calling thread settles before the loop turns once.
 */
async function loopTurnsDuring<T>(work: () => Promise<T> | T): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const spin = (): void => {
    if (done) return;
    turns += 1;
    setImmediate(spin);
  };
  setImmediate(spin);
  try {
    const value = await work();
    return { value, turns };
  } finally {
    done = true;
  }
}

describe('passphrase (scrypt) key derivation off the main thread', () => {
  it('wrapping and unwrapping the file key let the event loop turn while scrypt works', async () => {
    const fileKey = new Uint8Array(randomBytes(16));
    const wrapped = await loopTurnsDuring(() => new PassphraseRecipient(PASSPHRASE).wrapFileKey(fileKey));
    expect(wrapped.turns).toBeGreaterThan(0);
    const unwrapped = await loopTurnsDuring(() => new PassphraseIdentity(PASSPHRASE).unwrapFileKey(wrapped.value));
    expect(unwrapped.turns).toBeGreaterThan(0);
    expect(unwrapped.value).toEqual(fileKey);
    // Another passphrase is "not mine" (null), never an exception that reads as damage.
    expect(await new PassphraseIdentity('another-passphrase-00').unwrapFileKey(wrapped.value)).toBeNull();
  });

  it('several unwraps started at once run their scrypt one at a time (memory of one derivation), and each gets its key', async () => {
    const keys = [0, 1, 2].map(() => new Uint8Array(randomBytes(16)));
    const wrapped = await Promise.all(keys.map((k) => new PassphraseRecipient(PASSPHRASE).wrapFileKey(k)));
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, derivationsRunning())), 1);
    try {
      const opened = await Promise.all(wrapped.map((w) => new PassphraseIdentity(PASSPHRASE).unwrapFileKey(w)));
      expect(opened).toEqual(keys);
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBe(1);
    expect(derivationsRunning()).toBe(0);
  });

  it('an interval keeps firing while a passphrase archive is encrypted and decrypted', async () => {
    const dir = await tempDir();
    const plain = join(dir, 'a.zip');
    await writeFile(plain, randomBytes(300_000));
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    try {
      const before = ticks;
      await encryptFile(plain, join(dir, 'a.zip.age'), { kind: 'passphrase', passphrase: PASSPHRASE });
      const afterEncrypt = ticks;
      expect(afterEncrypt).toBeGreaterThan(before);
      await decryptFile(join(dir, 'a.zip.age'), join(dir, 'back.zip'), { kind: 'passphrase', passphrase: PASSPHRASE });
      expect(ticks).toBeGreaterThan(afterEncrypt);
    } finally {
      clearInterval(timer);
    }
    expect(await readFile(join(dir, 'back.zip'))).toEqual(await readFile(plain));
  });

  it('files stay standard age: the library opens ours, and ours opens the library’s', async () => {
    const dir = await tempDir();
    const plain = join(dir, 'p.bin');
    const data = randomBytes(100_000);
    await writeFile(plain, data);
    await encryptFile(plain, join(dir, 'ours.age'), { kind: 'passphrase', passphrase: PASSPHRASE });
    const lib = new Decrypter();
    lib.addPassphrase(PASSPHRASE);
    expect(Buffer.from(await lib.decrypt(await readFile(join(dir, 'ours.age'))))).toEqual(data);

    const e = new Encrypter();
    e.setPassphrase(PASSPHRASE);
    e.setScryptWorkFactor(12); // the library's own path is the slow one; a small factor keeps this test short
    await writeFile(join(dir, 'theirs.age'), await e.encrypt(data));
    await decryptFile(join(dir, 'theirs.age'), join(dir, 'theirs.bin'), { kind: 'passphrase', passphrase: PASSPHRASE });
    expect(await readFile(join(dir, 'theirs.bin'))).toEqual(data);
    // A wrong passphrase is the wrong key, not damage.
    await expect(decryptFile(join(dir, 'theirs.age'), join(dir, 'x.bin'), { kind: 'passphrase', passphrase: 'nope-nope-nope' })).rejects.toMatchObject({ code: 'DECRYPT_KEY_WRONG' });
  });

  it('a header asking for more than 2^20 scrypt work is refused before any work', async () => {
    const stanza = (await new PassphraseRecipient(PASSPHRASE, 10).wrapFileKey(new Uint8Array(16)))[0];
    if (!stanza) throw new Error('no stanza');
    stanza.args[2] = '30';
    await expect(new PassphraseIdentity(PASSPHRASE).unwrapFileKey([stanza])).rejects.toThrow('scrypt work factor is too high');
  });

  it('no Lifeboat module uses the library’s synchronous scrypt (setPassphrase / addPassphrase)', async () => {
    // The class, not the instance: a new caller of the blocking path would freeze the main process again.
    const root = join(import.meta.dirname, '..', '..', '..');
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts')) {
          if (/\.(setPassphrase|addPassphrase)\(/.test(await readFile(p, 'utf8'))) offenders.push(p);
        }
      }
    };
    for (const top of ['src-main', 'src-shared', 'src-renderer']) await walk(join(root, top));
    expect(offenders).toEqual([]);
  });
});
