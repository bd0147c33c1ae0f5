import type { RemoteSpec } from '../../../src-shared/domain/profile.js';
import type { RemoteDestination, RemoteSecrets } from './destination.js';
import { RcloneDestination } from './rclone-destination.js';
import { parseRemoteUrl, remoteId } from './remote-url.js';
import { S3Destination } from './s3-destination.js';
import { SftpDestination } from './sftp-destination.js';

/** Open the adapter for a remote spec (connections are made lazily, on first use). */
export function openDestination(spec: RemoteSpec, secrets: RemoteSecrets = {}): RemoteDestination {
  const p = parseRemoteUrl(spec.url);
  const id = remoteId(spec.url);
  switch (p.kind) {
    case 's3':
      return new S3Destination(id, p.bucket, p.prefix, spec, secrets);
    case 'sftp':
      return new SftpDestination(id, p, spec, secrets);
    case 'rclone':
      return new RcloneDestination(id, p.target, spec);
  }
}
