import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readSmallFile } from '../util/read-small-file.js';

/** A known_hosts file bigger than this is not one (thousands of hosts fit in far less). */
const KNOWN_HOSTS_MAX_BYTES = 16 * 1024 * 1024;

/** How a presented host key compares with known_hosts. */
export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked';

/** OpenSSH's fingerprint of a raw public key blob: `SHA256:` + unpadded base64. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The name known_hosts records: `host` on port 22, else `[host]:port`. */
function hostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

function hashedMatch(entry: string, name: string): boolean {
  // |1|base64(salt)|base64(HMAC-SHA1(salt, name)) — `HashKnownHosts yes`.
  const [, kind, salt, hash] = entry.split('|');
  if (kind !== '1' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

function hostsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatch(patterns, name);
  let hit = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) hit = true;
  }
  return hit;
}

/**
 * Check a server's key blob against a known_hosts text (plain or hashed names, wildcards,
 * negations, `@revoked`). Any line for the host with the same key → known; lines for the host but
 * none with this key → changed; no line for the host → unknown.
 */
export function checkHostKey(knownHosts: string, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const name = hostName(host, port);
  let seen = false;
  let known = false;
  for (const raw of knownHosts.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    const [patterns, , key] = fields;
    if (!patterns || !key || marker === '@cert-authority' || !hostsMatch(patterns, name)) continue;
    const blob = Buffer.from(key, 'base64');
    const same = blob.length === keyBlob.length && timingSafeEqual(blob, keyBlob);
    if (marker === '@revoked') {
      if (same) return 'revoked';
      continue;
    }
    seen = true;
    if (same) known = true;
  }
  return known ? 'known' : seen ? 'changed' : 'unknown';
}

/** Read a known_hosts file; a missing file knows no host. */
export async function readKnownHosts(file: string): Promise<string> {
  // The path comes from a remote spec (a profile, a renderer's test request): bounded, no FIFO or device.
  return ((await readSmallFile(file, KNOWN_HOSTS_MAX_BYTES, 'The known_hosts file', 'REMOTE_HOST_UNKNOWN')) ?? Buffer.alloc(0)).toString('utf8');
}

/** The known_hosts line for a key blob (its type is the blob's first SSH string). */
export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  const len = keyBlob.length >= 4 ? keyBlob.readUInt32BE(0) : 0;
  const type = keyBlob.subarray(4, 4 + len).toString('ascii');
  return `${hostName(host, port)} ${type} ${keyBlob.toString('base64')}`;
}

/**
 * Trust a host key after the user compared its fingerprint (the app's first-connection prompt):
 * append its line to known_hosts. The line must be for `host:port` and carry the fingerprint the
 * user saw, so a prompt cannot be answered with another key.
 */
export async function trustHostKey(file: string, line: string, host: string, port: number, expectedFingerprint: string): Promise<void> {
  const [name, type, key, ...rest] = line.trim().split(/\s+/);
  if (rest.length > 0 || name !== hostName(host, port) || !type || !key || !/^[A-Za-z0-9+/=]+$/.test(key) || fingerprint(Buffer.from(key, 'base64')) !== expectedFingerprint) {
    throw new Error(`The host key line does not match ${hostName(host, port)} with fingerprint ${expectedFingerprint}; nothing was trusted.`);
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const existing = await readKnownHosts(file);
  await appendFile(file, `${existing && !existing.endsWith('\n') ? '\n' : ''}${name} ${type} ${key}\n`, { mode: 0o600 });
}
