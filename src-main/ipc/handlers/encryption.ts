import type { BackupRecord } from '../../../src-shared/domain/backup.js';
import type { Profile } from '../../../src-shared/domain/profile.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import { generateKeyPair, type DecryptionKey, type EncryptionKey } from '../../engine/crypto/age-keys.js';
import { isEncryptedPath } from '../../engine/crypto/encrypt-archive.js';
import { EncryptionRepo } from '../../engine/crypto/encryption-repo.js';
import { renderRecoveryKit } from '../../engine/crypto/recovery-kit.js';
import { writeSecretFile } from '../../engine/crypto/secret-file.js';
import { defaultBackupDir } from '../../engine/home.js';
import { peekBound, setBound, type Binding } from '../bound-secrets.js';
import type { HandlerGroup } from '../handler.js';
import type { ConfirmRequest, Services } from '../services.js';

/**
 * Encryption at rest in the app: the passphrase or private key of a profile lives in the OS
 * keychain (the secret store), bound to the profile and the kind of key, and is handed to the
 * engine in memory only. Nothing secret is audited, logged or returned to the renderer except by
 * the recovery kit, which is written to a file the user chose (0600) and never to the catalog.
 */

const passphraseKey = (profile: string): string => `age-passphrase:${profile}`;
const identityKey = (profile: string): string => `age-identity:${profile}`;
const passphraseBinding = (profile: string): Binding => ['age', profile, 'passphrase'];
const identityBinding = (profile: string, recipient: string): Binding => ['age', profile, 'identity', recipient];

/**
 * An age secret stored for exactly `binding`. A read never removes anything (bound-secrets'
 * getBound drops an unreadable record): an age secret is deleted or replaced only by
 * replaceAgeSecret, after the user said yes.
 */
function ageSecret(s: Services, key: string, binding: Binding): string | undefined {
  const stored = peekBound(s.secrets, key);
  return stored && stored.binding.length === binding.length && stored.binding.every((x, i) => x === binding[i]) ? stored.secret : undefined;
}

/**
 * The only way an age secret is written. When anything is stored under `key` (whatever its
 * binding, even a record that no longer decodes), replacing it loses the only copy on this machine
 * of what opens older backups: main asks in its native dialog, and a renderer cannot skip that
 * with a flag (no request carries one). If the entry changed while the dialog was open (another
 * request), the answer was about something else, and nothing is written.
 */
async function replaceAgeSecret(s: Services, profile: string, key: string, binding: Binding, secret: string, ask: ConfirmRequest): Promise<void> {
  const before = s.secrets.get(key);
  if (before !== undefined) {
    const yes = await s.desktop.confirm(ask);
    if (!yes) throw new LifeboatError('CANCELLED', `The stored key of profile "${profile}" was kept: replacing it was not confirmed.`, { profile });
    if (s.secrets.get(key) !== before) {
      throw new LifeboatError('CANCELLED', `The stored key of profile "${profile}" changed while you were asked; nothing was replaced. Try again.`, { profile });
    }
  }
  setBound(s.secrets, key, binding, secret);
}

/** The locally kept private key of a recipients profile: the one whose public half the profile lists. */
function storedIdentity(s: Services, p: Profile): { identity: string; recipient: string } | undefined {
  const enc = p.spec.encryption;
  if (enc?.mode !== 'recipients') return undefined;
  // Peeked, not getBound per recipient: getBound deletes a secret whose binding differs, and the
  // first recipient tried may be a colleague's; the one private key would go with it.
  const recipient = localRecipient(s, p.name);
  const stored = peekBound(s.secrets, identityKey(p.name));
  if (!recipient || !stored || !enc.recipients.includes(recipient)) return undefined;
  return { identity: stored.secret, recipient };
}

/** The public half of the private key kept in the keychain for `profile`, if any. */
function localRecipient(s: Services, profile: string): string | null {
  const b = peekBound(s.secrets, identityKey(profile))?.binding;
  return b && b[0] === 'age' && b[1] === profile && b[2] === 'identity' && typeof b[3] === 'string' ? b[3] : null;
}

/** The key a profile's backups are encrypted with; a passphrase profile without its passphrase fails on record. */
export function encryptionFor(s: Services, p: Profile): { encryption?: EncryptionKey } {
  const enc = p.spec.encryption;
  if (!enc) return {};
  if (enc.mode === 'recipients') return { encryption: { kind: 'recipients', recipients: enc.recipients } };
  // None in the keychain: an empty one, which the backup job refuses with a FAILED row (see checkEncryptionKey).
  return { encryption: { kind: 'passphrase', passphrase: ageSecret(s, passphraseKey(p.name), passphraseBinding(p.name)) ?? '' } };
}

/**
 * The key to open an encrypted backup with, from the keychain (undefined if none or not
 * encrypted): its profile's own first. A row that names no profile (an import, a row doctor
 * rebuilt) or whose profile has no fitting key gets every private key kept here (one age
 * decryption tries them all, and X25519 tries cost nothing), or, for a passphrase archive, the
 * passphrase when exactly one is kept (each try of another costs a full scrypt).
 */
export function decryptionFor(s: Services, record: BackupRecord): DecryptionKey | undefined {
  if (!isEncryptedPath(record.path)) return undefined;
  const p = record.profile ? s.engine.profiles.find(record.profile) : undefined;
  if (p) {
    const passphrase = ageSecret(s, passphraseKey(p.name), passphraseBinding(p.name));
    if (p.spec.encryption?.mode === 'passphrase' && passphrase) return { kind: 'passphrase', passphrase };
    const id = storedIdentity(s, p);
    if (id) return { kind: 'identity', identities: [id.identity] };
    if (passphrase) return { kind: 'passphrase', passphrase };
  }
  const mode = new EncryptionRepo(s.engine.env.catalog.db).get(record.id)?.mode;
  const kept = storedProfileKeys(s);
  if (mode === 'passphrase') {
    const only = kept.filter((k) => k.kind === 'passphrase');
    return only.length === 1 && only[0] ? storedProfileKey(s, only[0].profile, 'passphrase') : undefined;
  }
  const identities = kept.flatMap((k) => {
    const key = k.kind === 'identity' ? storedProfileKey(s, k.profile, 'identity') : undefined;
    return key?.kind === 'identity' ? key.identities : [];
  });
  return identities.length > 0 ? { kind: 'identity', identities } : undefined;
}

/**
 * Profiles whose key is in this computer's keychain (for opening a dropped encrypted archive):
 * whatever the profile lists now, since an archive may be older than its current settings.
 */
export function storedProfileKeys(s: Services): { profile: string; kind: 'passphrase' | 'identity' }[] {
  const out: { profile: string; kind: 'passphrase' | 'identity' }[] = [];
  for (const p of s.engine.profiles.list()) {
    if (ageSecret(s, passphraseKey(p.name), passphraseBinding(p.name)) !== undefined) out.push({ profile: p.name, kind: 'passphrase' });
    if (localRecipient(s, p.name)) out.push({ profile: p.name, kind: 'identity' });
  }
  return out;
}

/** The key kept for `profile` of the kind `want` (undefined: none). Main-side only: never sent to a page. */
export function storedProfileKey(s: Services, profile: string, want: 'passphrase' | 'identity'): DecryptionKey | undefined {
  if (want === 'passphrase') {
    const passphrase = ageSecret(s, passphraseKey(profile), passphraseBinding(profile));
    return passphrase === undefined ? undefined : { kind: 'passphrase', passphrase };
  }
  const recipient = localRecipient(s, profile);
  const identity = recipient ? ageSecret(s, identityKey(profile), identityBinding(profile, recipient)) : undefined;
  return identity === undefined ? undefined : { kind: 'identity', identities: [identity] };
}

/** encryption:* handlers. */
export const encryptionHandlers: HandlerGroup<'encryption:get-state' | 'encryption:set-passphrase' | 'encryption:create-key' | 'encryption:save-recovery-kit'> = {
  'encryption:get-state': async (s, p) => {
    const profile = s.engine.profiles.find(p.profile);
    const enc = profile?.spec.encryption ?? null;
    return {
      mode: enc?.mode ?? null,
      passphraseStored: ageSecret(s, passphraseKey(p.profile), passphraseBinding(p.profile)) !== undefined,
      // The key created here, even before the profile listing it is saved (its binding names its public half).
      localRecipient: localRecipient(s, p.profile),
    };
  },

  'encryption:set-passphrase': async (s, p) => {
    // The same passphrase again replaces nothing: no question.
    if (ageSecret(s, passphraseKey(p.profile), passphraseBinding(p.profile)) === p.passphrase) return null;
    await replaceAgeSecret(s, p.profile, passphraseKey(p.profile), passphraseBinding(p.profile), p.passphrase, {
      title: 'Replace the passphrase',
      message: `Replace the stored passphrase of profile "${p.profile}"?`,
      detail: 'Backups made with the current passphrase keep needing it: after this, only its recovery kit or your own copy of it opens them. New backups use the new passphrase.',
      confirmLabel: 'Replace the passphrase',
    });
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'encryption.passphrase-set', target: p.profile, outcome: 'info', details: { profile: p.profile } });
    return null;
  },

  'encryption:create-key': async (s, p) => {
    // The keychain holds one private key per profile: a new one replaces it, and backups made for
    // the old one could then be opened only with its recovery kit. Only the user may decide that.
    const old = localRecipient(s, p.profile);
    const { identity, recipient } = await generateKeyPair();
    await replaceAgeSecret(s, p.profile, identityKey(p.profile), identityBinding(p.profile, recipient), identity, {
      title: 'Replace the private key',
      message: `Replace the private key of profile "${p.profile}" with a new one?`,
      detail: `The current key${old ? ` (public half ${old})` : ''} is deleted from the keychain. Backups encrypted to it can then be opened only with its recovery kit or another copy of it.`,
      confirmLabel: 'Replace the key',
    });
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'encryption.key-created', target: p.profile, outcome: 'info', details: { profile: p.profile, recipient } });
    return { recipient };
  },

  'encryption:save-recovery-kit': async (s, p) => {
    const profile = s.engine.profiles.get(p.profile);
    const enc = profile.spec.encryption;
    if (!enc) throw new LifeboatError('USAGE', `Profile "${profile.name}" does not encrypt its backups; turn encryption on and save the profile first.`, { profile: profile.name });
    const dir = await s.desktop.pickPath('folder');
    if (!dir) return null;
    const html = renderRecoveryKit({
      profile: profile.name,
      mode: enc.mode,
      destination: profile.spec.destination ?? defaultBackupDir(s.engine.env.home),
      recipients: enc.mode === 'recipients' ? enc.recipients : [],
      identity: storedIdentity(s, profile)?.identity ?? null,
      passphraseHint: enc.mode === 'passphrase' ? enc.passphraseHint : '',
      createdAt: s.engine.env.now(),
      appVersion: s.engine.env.appVersion,
    });
    // It may hold the private key: a new 0600 file that never goes through a link planted at the
    // name (the link is replaced) and never replaces an older kit (which may hold an older key).
    const path = await writeSecretFile(dir, `lifeboat-recovery-kit-${profile.name}`, '.html', html);
    s.engine.audit.append({ actor: s.engine.env.actor, action: 'encryption.recovery-kit', target: profile.name, outcome: 'info', details: { path } });
    s.desktop.showItemInFolder(path);
    return { path };
  },
};
