import { formatDateTime } from '../../../src-shared/domain/format.js';
import type { EncryptionMode } from './age-keys.js';

/** What a recovery kit is about. The only secret it may hold is `identity`, which it exists to carry. */
export interface RecoveryKitInput {
  readonly profile: string;
  readonly mode: EncryptionMode;
  /** Where the encrypted archives are written. */
  readonly destination: string;
  /** Public keys the archives are encrypted to (recipients mode). */
  readonly recipients: readonly string[];
  /** The private key, when it is kept on this machine (recipients mode); printed so it survives the machine. */
  readonly identity: string | null;
  /** A reminder of the passphrase (never the passphrase itself), passphrase mode. */
  readonly passphraseHint: string;
  readonly createdAt: Date;
  readonly appVersion: string;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A shell word for the example commands (the profile and paths are the user's own text). */
function sh(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const STYLE = `
  body { font: 14px/1.5 system-ui, sans-serif; color: #111; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.1rem; margin-top: 1.75rem; }
  .meta { color: #444; } .warn { border: 2px solid #111; padding: .75rem 1rem; }
  pre, .key { font: 13px/1.4 ui-monospace, monospace; background: #f2f2f2; padding: .5rem .75rem; white-space: pre-wrap; word-break: break-all; }
  .blank { border-bottom: 1px solid #111; height: 2.2rem; margin: .5rem 0 1rem; }
  dt { font-weight: 600; } dd { margin: 0 0 .5rem 0; word-break: break-all; }
  @media print { body { margin: 0; } .key, pre { background: none; border: 1px solid #999; } }
`;

/**
 * The recovery kit: a self-contained HTML page (no script, no external resource, a CSP that allows
 * neither) to print and keep away from the machine. It holds what a restore needs when the machine
 * and its keychain are gone: the key (or a line to write the passphrase on, under its hint), where
 * the archives are, and the restore steps with the `age` and `lifeboat` commands.
 */
export function renderRecoveryKit(k: RecoveryKitInput): string {
  const example = `lifeboat-${k.profile}-YYYYMMDDTHHMMSSZ-xxxxxxxx.zip`;
  const exampleAge = `${example}.age`;
  const dest = k.destination;
  const keyPart =
    k.mode === 'passphrase'
      ? `<h2>The passphrase</h2>
<p>The archives are encrypted with a passphrase (age, scrypt). It is not printed here. Write it by hand below, or keep it where your organisation keeps such secrets.</p>
<dl><dt>Hint</dt><dd>${k.passphraseHint ? esc(k.passphraseHint) : '(no hint given)'}</dd></dl>
<div class="blank" aria-label="write the passphrase here"></div>`
      : `<h2>The key</h2>
<p>The archives are encrypted to ${k.recipients.length === 1 ? 'this public key' : 'these public keys'} (age X25519):</p>
${k.recipients.map((r) => `<div class="key">${esc(r)}</div>`).join('\n')}
${
  k.identity
    ? `<p class="warn"><strong>Secret.</strong> Anyone holding the key below can read every backup of this profile. Store this page like a key to the building.</p>
<p>Private key (type it into a file <code>key.txt</code>, exactly, on one line):</p>
<div class="key">${esc(k.identity)}</div>`
    : '<p>The private key is not kept on this machine. Whoever holds it (the identity file that matches the public key above) decrypts the archives.</p>'
}`;
  const decrypt =
    k.mode === 'passphrase' ? `age -d -o ${sh(example)} ${sh(exampleAge)}     # asks for the passphrase` : `age -d -i key.txt -o ${sh(example)} ${sh(exampleAge)}`;
  const lifeboatKey = k.mode === 'passphrase' ? '--passphrase-file pass.txt   # pass.txt: the passphrase on its first line' : '--identity key.txt';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Lifeboat recovery kit: ${esc(k.profile)}</title>
<style>${STYLE}</style></head>
<body>
<h1>Lifeboat recovery kit</h1>
<p class="meta">Profile <strong>${esc(k.profile)}</strong> · printed ${esc(formatDateTime(k.createdAt))} · Lifeboat ${esc(k.appVersion)}</p>
<p>Keep this page somewhere safe and away from the computer it describes. Without it, the encrypted backups cannot be restored if this computer, or its keychain, is lost.</p>
${keyPart}
<h2>Where the backups are</h2>
<dl><dt>Folder</dt><dd>${esc(dest)}</dd>
<dt>File names</dt><dd>${esc(exampleAge)} (or .tar.gz.age), each with a .sha256 file and a README.txt beside them</dd></dl>
<h2>Restore with the age command (no Lifeboat needed)</h2>
<p>Install age (Debian/Ubuntu: <code>apt install age</code>; macOS: <code>brew install age</code>; or from age-encryption.org), then:</p>
<pre>cd ${esc(sh(dest))}
sha256sum -c ${esc(sh(exampleAge))}.sha256
${esc(decrypt)}
unzip ${esc(sh(example))} -d restored/     # the README.txt inside says how to restore each database</pre>
<h2>Restore with Lifeboat</h2>
<pre>lifeboat verify ${esc(sh(`${dest}/${exampleAge}`))} ${esc(lifeboatKey)}
lifeboat restore ${esc(sh(`${dest}/${exampleAge}`))} --to-dir restored/ ${esc(lifeboatKey)}
lifeboat import ${esc(sh(`${dest}/${exampleAge}`))} ${esc(lifeboatKey)}   # on a new computer: add it to the catalog</pre>
</body></html>
`;
}
