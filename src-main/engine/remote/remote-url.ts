import type { RemoteKind } from '../../../src-shared/domain/remote.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';

/** A remote URL taken apart. */
export type ParsedRemote =
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string }
  | { readonly kind: 'sftp'; readonly user: string; readonly host: string; readonly port: number; readonly path: string }
  | { readonly kind: 'rclone'; readonly target: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function bad(url: string, why: string): LifeboatError {
  return new LifeboatError('USAGE', `The remote "${url}" is not valid: ${why}. Use s3://bucket/prefix, sftp://user@host:port/path or rclone:remote:path.`, { url });
}

/** Strip leading/trailing slashes and refuse `..` (the prefix is joined into object names). */
function cleanPath(url: string, p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) throw bad(url, 'the path may not contain ".."');
  return parts.join('/');
}

/** Parse `s3://bucket/prefix`, `sftp://user@host:port/path` or `rclone:remote:path`. */
export function parseRemoteUrl(url: string): ParsedRemote {
  if (url.startsWith('rclone:')) {
    const target = url.slice('rclone:'.length);
    if (!/^[^:\s/][^:]*:/.test(target)) throw bad(url, 'rclone needs remote:path (a remote name from `rclone config`, then a colon)');
    if (target.startsWith('-')) throw bad(url, 'a remote name may not start with "-"');
    return { kind: 'rclone', target };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad(url, 'it is not a URL');
  }
  if (u.protocol === 's3:') {
    if (!BUCKET.test(u.hostname)) throw bad(url, `"${u.hostname}" is not a DNS-style bucket name (3-63 of a-z, 0-9, dot, dash)`);
    return { kind: 's3', bucket: u.hostname, prefix: cleanPath(url, decodeURIComponent(u.pathname)) };
  }
  if (u.protocol === 'sftp:') {
    if (u.password) throw bad(url, 'put no password in the URL (use a key, the agent, or the app\'s keychain)');
    if (!u.hostname) throw bad(url, 'no host');
    const path = decodeURIComponent(u.pathname);
    if (path.split('/').includes('..')) throw bad(url, 'the path may not contain ".."');
    return { kind: 'sftp', user: decodeURIComponent(u.username) || process.env.USER || 'root', host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 22, path: path || '/' };
  }
  throw bad(url, `unknown scheme "${u.protocol}"`);
}

/** The canonical id of a remote (the catalog key): the URL without secrets, normalised. */
export function remoteId(url: string): string {
  const p = parseRemoteUrl(url);
  switch (p.kind) {
    case 's3':
      return `s3://${p.bucket}/${p.prefix}`;
    case 'sftp':
      return `sftp://${encodeURIComponent(p.user)}@${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}${p.path.replace(/\/+$/, '') || '/'}`;
    case 'rclone':
      return `rclone:${p.target.replace(/\/+$/, '')}`;
  }
}

/** The kind of a remote URL. */
export function remoteKind(url: string): RemoteKind {
  return parseRemoteUrl(url).kind;
}
