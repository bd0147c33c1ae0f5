import type { ArchiveFormat } from '../../../src-shared/domain/enums.js';
import { assertNever } from '../../../src-shared/domain/enums.js';
import type { ArchiveSink } from './archive-sink.js';
import { TarGzWriter } from './tar/tar-writer.js';
import { ZipWriter } from './zip/zip-writer.js';

export type { ArchiveSink, EntryAttrs, WrittenArchive, WrittenFile } from './archive-sink.js';

/** The writer for a format: Lifeboat's parallel ZIP writer, or its streaming tar.gz writer. */
export async function createArchiveWriter(path: string, format: ArchiveFormat, level = 6): Promise<ArchiveSink> {
  switch (format) {
    case 'zip':
      return ZipWriter.create(path, { level });
    case 'tar.gz':
      return new TarGzWriter(path, level);
    default:
      return assertNever(format);
  }
}
