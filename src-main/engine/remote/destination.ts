import type { RemoteCheck, RemoteKind } from '../../../src-shared/domain/remote.js';
import { LifeboatError } from '../../../src-shared/errors/lifeboat-error.js';
import type { UploadedPart } from '../catalog/remote-copies-repo.js';

/** An object on a remote, as a listing shows it. */
export interface RemoteObject {
  /** The name relative to the remote's prefix/path (no leading slash). */
  readonly name: string;
  readonly size: number;
}

/**
 * Where a resumable upload records its progress: the adapter calls these as the server confirms
 * each step, and reads `uploadId`/`parts` to resume after a crash.
 */
export interface UploadJournal {
  readonly uploadId: string | null;
  readonly parts: readonly UploadedPart[];
  started(uploadId: string | null): void;
  partDone(part: UploadedPart): void;
  /** An interrupted upload continues after `bytes` already on the server, proven equal to the local ones (SFTP). */
  resumed?(bytes: number): void;
}

/** What `put` needs beside the local file. */
export interface PutOptions {
  readonly size: number;
  /** Hex SHA-256 of the whole file (from the catalog). */
  readonly sha256: string;
  readonly journal?: UploadJournal;
  readonly onBytes?: (n: number) => void;
  readonly signal?: AbortSignal;
}

/** What the remote says about an object's bytes. */
export interface RemoteHash {
  readonly sha256: string;
  readonly how: RemoteCheck;
}

/**
 * One remote destination. Every adapter writes so that a reader never sees a half-written object
 * under its final name (a multipart upload is invisible until completed; SFTP and rclone upload
 * to a temporary name and rename).
 */
export interface RemoteDestination {
  readonly kind: RemoteKind;
  /** Canonical URL without secrets, the catalog's remote id. */
  readonly id: string;
  /** Upload `localPath` as `name`. */
  put(localPath: string, name: string, opts: PutOptions): Promise<void>;
  /** Upload a small object from memory (sidecars). */
  putSmall(name: string, body: Buffer): Promise<void>;
  /** Size of `name`, or null when there is no such object. */
  stat(name: string): Promise<{ size: number } | null>;
  /**
   * The SHA-256 of `name` as the remote computes it, else by reading it back. `expect` lets an S3
   * adapter compare a server-side composite checksum of a multipart object.
   */
  hash(name: string, expect?: { sha256: string; parts: readonly UploadedPart[] }): Promise<RemoteHash>;
  /** Every object under the prefix/path (one level). */
  list(): Promise<RemoteObject[]>;
  /** Download `name` to `localPath` (the caller verifies); more than `maxBytes` (the catalog's size) fails with downloadTooLong, not a full disk. */
  get(name: string, localPath: string, onBytes?: (n: number) => void, maxBytes?: number): Promise<void>;
  /** Read a small object into memory (sidecars), refusing anything over `maxBytes`. */
  getSmall(name: string, maxBytes: number): Promise<Buffer>;
  delete(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Secrets a remote may need that are not in its spec (the app's keychain, or the environment). */
export interface RemoteSecrets {
  readonly s3AccessKeyId?: string;
  readonly s3SecretAccessKey?: string;
  readonly s3SessionToken?: string;
  readonly sshPassword?: string;
  readonly sshKeyPassphrase?: string;
}

/** The HashingStream limit of a download that must not outgrow the catalog's size (a hostile or changed remote object). */
export function downloadLimit(name: string, remote: string, maxBytes: number | undefined): { bytes: number; error: () => Error } | undefined {
  if (maxBytes === undefined) return undefined;
  return {
    bytes: maxBytes,
    error: () => new LifeboatError('CHECKSUM_MISMATCH', `${name} on ${remote} is longer than the ${maxBytes} bytes the catalog records; the download was stopped and not used. Check the remote copy (lifeboat remote verify).`, { remote, maxBytes }),
  };
}
