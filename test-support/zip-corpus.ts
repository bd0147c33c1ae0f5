import { buildZip, ntfsExtra, unicodePathExtra, utExtra, uxExtra } from './zip-builder.js';

/**
 * Foreign ZIPs, written byte by byte in the shapes real tools produce (Info-ZIP, 7-Zip, Windows
 * Explorer, macOS Archive Utility, Go's archive/zip, Python's zipfile, self-extractors), plus the
 * shapes of Go's and Python's zip test suites (ZIP64, data descriptors with and without their
 * signature, empty files, folders without entries, comments, stored vs deflated).
 *
 * Each member says how its reading is judged:
 * - `agree`: Lifeboat's names and bytes equal extract-zip's (the design card's library).
 * - `expect`: the names are fixed by the bytes written; extract-zip (yauzl) reads them otherwise
 *   by design (`why` says how), so the expected listing is spelled out and checked against both
 *   Lifeboat and, where installed, Info-ZIP `unzip`.
 * - `refuse`: Lifeboat refuses, with the reason matched by `message`.
 */
export type CorpusVerdict =
  | { readonly kind: 'agree' }
  | { readonly kind: 'expect'; readonly files: Readonly<Record<string, string>>; readonly why: string }
  | { readonly kind: 'refuse'; readonly code: string; readonly message: RegExp; readonly why: string };

export interface CorpusMember {
  readonly name: string;
  /** Which tool or test suite writes this shape. */
  readonly like: string;
  readonly bytes: Buffer;
  readonly verdict: CorpusVerdict;
}

const agree = { kind: 'agree' } as const;
const text = (s: string, n = 1): Buffer => Buffer.from(s.repeat(n));
const cp437Cafe = Buffer.from([0x63, 0x61, 0x66, 0x82, 0x2e, 0x74, 0x78, 0x74]); // "café.txt" in CP437
const stub = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4094, 0x90)]); // a PE stub's first bytes, then padding

/** The corpus, built in memory (a few KB each). */
export function zipCorpus(): CorpusMember[] {
  return [
    {
      name: 'infozip-unix.zip',
      like: 'Info-ZIP zip 3.0 on Linux: UT and ux extra fields, folder entries, deflate',
      bytes: buildZip([
        { name: 'site/', extras: [utExtra(1_700_000_000), uxExtra(1000, 1000)] },
        { name: 'site/index.html', data: text('<h1>hello</h1>\n', 40), extras: [utExtra(1_700_000_000), uxExtra(1000, 1000)] },
        { name: 'site/run.sh', data: '#!/bin/sh\necho hi\n', externalAttrs: (0o100755 << 16) >>> 0, extras: [utExtra(1_700_000_000)] },
      ]),
      verdict: agree,
    },
    {
      name: '7zip-windows.zip',
      like: '7-Zip on Windows: host FAT, DOS attributes only, NTFS time extra, UTF-8 flag for non-ASCII',
      bytes: buildZip([
        { name: 'docs/', host: 0, externalAttrs: 0x10, extras: [ntfsExtra()] },
        { name: 'docs/Übersicht.txt', data: text('7z', 100), host: 0, externalAttrs: 0x20, extras: [ntfsExtra()] },
        { name: 'docs/readme.txt', data: 'plain', host: 0, externalAttrs: 0x20 },
      ]),
      verdict: agree,
    },
    {
      name: 'windows-explorer.zip',
      like: 'Windows "Send to compressed folder": host DOS, no Unix mode, CP437 names, no folder entries',
      bytes: buildZip([
        { name: 'Reports\\Q1.txt'.replace('\\', '/'), data: text('q1 ', 50), host: 0, externalAttrs: 0x20 },
        { name: Buffer.concat([Buffer.from('Reports/'), cp437Cafe]), data: 'menu', host: 0, externalAttrs: 0x20, utf8Flag: false },
      ]),
      verdict: agree,
    },
    {
      name: 'macos-utf8-unflagged.zip',
      like: 'macOS Archive Utility / ditto: UTF-8 names without the UTF-8 flag, decomposed (NFD) accents',
      bytes: buildZip([
        { name: '世界/', utf8Flag: false },
        { name: '世界/hello.txt', data: 'hello', utf8Flag: false },
        { name: 'cafe\u0301.txt', data: 'nfd', utf8Flag: false },
      ]),
      verdict: {
        kind: 'expect',
        files: { '世界/hello.txt': 'hello', 'cafe\u0301.txt': 'nfd' },
        why: 'yauzl decodes unflagged names as CP437 (giving "Σ╕ûτòî"); unzip, 7-Zip and bsdtar decode valid UTF-8 as UTF-8, and so does Lifeboat',
      },
    },
    {
      name: 'unicode-path-extra.zip',
      like: 'Info-ZIP with a legacy code page name and a 0x7075 Unicode Path extra field',
      bytes: buildZip([{ name: cp437Cafe, data: 'up', utf8Flag: false, extras: [unicodePathExtra(cp437Cafe, 'café.txt')] }]),
      verdict: agree,
    },
    {
      name: 'go-data-descriptor.zip',
      like: "Go's archive/zip Writer: every entry streamed with a signed data descriptor, sizes 0 in the local header",
      bytes: buildZip([
        { name: 'a.txt', data: text('go ', 300), descriptor: 'signed' },
        { name: 'empty.txt', data: '', descriptor: 'signed' },
        { name: 'dir/', descriptor: 'signed' },
      ]),
      verdict: agree,
    },
    {
      name: 'python-descriptor-unsigned.zip',
      like: "Python's zipfile test shape: data descriptor without its optional signature",
      bytes: buildZip([
        { name: 'one.txt', data: text('py', 500), descriptor: 'unsigned' },
        { name: 'two.txt', data: 'second', descriptor: 'unsigned', method: 0 },
      ]),
      verdict: agree,
    },
    {
      name: 'zip64.zip',
      like: "Go's zip64.zip / Python's test_zip64: ZIP64 extra fields and ZIP64 end records on a small archive",
      bytes: buildZip([{ name: 'README', data: 'This small file is in ZIP64 format.\n', zip64: true }, { name: 'b.bin', data: Buffer.alloc(4000, 7), zip64: true, descriptor: 'signed' }]),
      verdict: agree,
    },
    {
      name: 'empty-archive.zip',
      like: 'zip with no entries: only an end record (what Python writes for an empty ZipFile)',
      bytes: buildZip([]),
      verdict: agree,
    },
    {
      name: 'empty-files-and-implicit-dirs.zip',
      like: "Go's testdata shapes: empty stored file, deep paths whose folders have no entries",
      bytes: buildZip([
        { name: 'empty', data: '' },
        { name: 'a/b/c/deep.txt', data: 'deep' },
        { name: 'a/b/sibling.txt', data: 'sib', method: 0 },
      ]),
      verdict: agree,
    },
    {
      name: 'stored-and-deflated.zip',
      like: 'zip -0 and zip -9 members mixed, incompressible and compressible data',
      bytes: buildZip([
        { name: 'stored.bin', data: Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251)), method: 0 },
        { name: 'deflated.txt', data: text('compress me ', 1000), method: 8 },
        { name: 'tiny-deflated.txt', data: 'x', method: 8 },
      ]),
      verdict: agree,
    },
    {
      name: 'comments.zip',
      like: 'zip -z / zipnote: an archive comment (holding "PK\\x05\\x06") and per-entry comments',
      bytes: buildZip([{ name: 'c.txt', data: 'commented', comment: 'entry comment' }], { comment: 'archive comment with a fake PK\u0005\u0006 inside' }),
      verdict: agree,
    },
    {
      name: 'sfx-adjusted.zip',
      like: 'a self-extractor after `zip -A`: a stub in front, offsets counted from the file start',
      bytes: buildZip([{ name: 'setup.txt', data: text('install ', 20) }], { prefix: stub, adjustOffsets: true }),
      verdict: agree,
    },
    {
      name: 'sfx-unadjusted.zip',
      like: '`cat stub archive.zip > sfx`: a stub in front, offsets still counted from the archive start',
      bytes: buildZip([{ name: 'setup.txt', data: text('install ', 20) }, { name: 'more/notes.txt', data: 'n' }], { prefix: stub }),
      verdict: {
        kind: 'expect',
        files: { 'setup.txt': 'install '.repeat(20), 'more/notes.txt': 'n' },
        why: 'yauzl takes offsets as written and fails on the shifted local headers; unzip warns "extra bytes at beginning" and reads it, as Lifeboat does',
      },
    },
    {
      name: 'encrypted.zip',
      like: 'zip -e (ZipCrypto): the encrypted bit set',
      bytes: buildZip([{ name: 'secret.txt', data: 'not really encrypted', encrypted: true, method: 0 }]),
      verdict: { kind: 'refuse', code: 'ARCHIVE_HOSTILE', message: /secret\.txt.*encrypted/, why: 'Lifeboat restores no encrypted entries (there is no password to ask for in a restore)' },
    },
    {
      name: 'bzip2-method.zip',
      like: '7-Zip / zip -Z bzip2: compression method 12',
      bytes: buildZip([{ name: 'b.txt', data: 'BZh9 pretend', method: 12 }]),
      verdict: { kind: 'refuse', code: 'ARCHIVE_INVALID', message: /b\.txt.*compression method 12/, why: 'Lifeboat reads stored and deflate only; it says which method it met' },
    },
    {
      name: 'zip-slip.zip',
      like: 'the "zip slip" test files: a ../ name',
      bytes: buildZip([{ name: '../../evil.txt', data: 'x' }]),
      verdict: { kind: 'refuse', code: 'ARCHIVE_HOSTILE', message: /evil\.txt.*climbs out/, why: 'a name outside the extraction folder' },
    },
  ];
}
