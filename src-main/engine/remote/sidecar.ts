import { z } from 'zod';
import { ARCHIVE_FORMATS } from '../../../src-shared/domain/enums.js';
import { manifestSchema, type Manifest } from '../../../src-shared/manifest/schema.js';
import type { BackupRecord } from '../../../src-shared/domain/backup.js';

/** The suffix of the small JSON file that travels beside each archive on a remote. */
export const SIDECAR_SUFFIX = '.lifeboat.json';
/** Sidecars are small; anything bigger is not one (and is not read into memory). */
export const SIDECAR_MAX_BYTES = 64 * 1024 * 1024;

const ARCHIVE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.(zip|tar\.gz)$/;

/** What a sidecar holds: enough to rebuild the catalog row on a new machine. */
export const remoteSidecarSchema = z.object({
  kind: z.literal('lifeboat-remote-copy'),
  version: z.literal(1),
  backupId: z.uuid(),
  fileName: z.string().regex(ARCHIVE_NAME),
  host: z.string().min(1),
  profile: z.string().nullable(),
  format: z.enum(ARCHIVE_FORMATS),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  uploadedAt: z.string(),
  manifest: manifestSchema,
});
/** A remote sidecar. */
export type RemoteSidecar = z.infer<typeof remoteSidecarSchema>;

/** The sidecar of a backup. */
export function makeSidecar(record: BackupRecord, manifest: Manifest, uploadedAt: string): RemoteSidecar {
  return {
    kind: 'lifeboat-remote-copy',
    version: 1,
    backupId: record.id,
    fileName: record.fileName,
    host: record.host,
    profile: record.profile,
    format: record.format,
    size: record.size ?? 0,
    sha256: record.sha256 ?? '',
    createdAt: record.createdAt,
    uploadedAt,
    manifest,
  };
}

/** Parse a sidecar's bytes; null with the reason when it is not one of ours. */
export function parseSidecar(body: Buffer): { sidecar: RemoteSidecar } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    return { problem: 'not JSON' };
  }
  const r = remoteSidecarSchema.safeParse(raw);
  if (!r.success) return { problem: `not a Lifeboat sidecar: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}` };
  if (r.data.manifest.backupId !== r.data.backupId) return { problem: 'its backup id differs from its manifest\'s' };
  return { sidecar: r.data };
}
