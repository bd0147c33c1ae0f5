/**
 * The part of archiver 8's API the differential tests use (the package ships no types). archiver is
 * the design card's ZIP/tar writer, used here only as an independent oracle.
 */
declare module 'archiver' {
  import type { Transform } from 'node:stream';

  interface EntryData {
    name: string;
    mode?: number;
    date?: Date;
    store?: boolean;
  }

  class Archiver extends Transform {
    append(source: Buffer | string, data: EntryData): this;
    directory(dirpath: string, destpath: string | false): this;
    symlink(filepath: string, target: string, mode?: number): this;
    finalize(): Promise<void>;
  }

  export class ZipArchive extends Archiver {
    constructor(options?: { zlib?: { level?: number }; forceZip64?: boolean; store?: boolean });
  }

  export class TarArchive extends Archiver {
    constructor(options?: { gzip?: boolean; gzipOptions?: { level?: number } });
  }
}
