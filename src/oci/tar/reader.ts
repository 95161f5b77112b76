/**
 * A strict streaming tar reader for archives from outside (docker save output, OCI-layout tarballs).
 * By default only regular files and directories pass. Everything that could write outside the folder
 * an archive is unpacked into is refused: absolute names, `..`, symlinks (unless the caller allows
 * them), hard links, device nodes and fifos, a path going through an earlier non-directory entry, and
 * duplicate names. Sizes and counts are capped; a short archive is an error, never a partial success.
 */
import { BLOCK, decodeHeader, isZeroBlock, padding, parsePax, type RawHeader } from './header';
import { ByteReader } from './byte-reader';
import { TarError, shown } from './errors';
import { checkSymlinkTarget, normalizeEntryPath } from './paths';

export interface TarReadOptions {
  /** Let symlinks through (image-layer tooling only); their targets may not climb above the root. */
  allowSymlinks?: boolean;
  /** Largest single entry in bytes. Default 8 GiB. */
  maxEntrySize?: number;
  /** Sum of all entry sizes. Default 32 GiB. */
  maxTotalSize?: number;
  /** Default 100 000. */
  maxEntries?: number;
  /** Largest pax or GNU long-name record. Default 64 KiB. */
  maxMetadataSize?: number;
}

export interface TarEntry {
  /** Normalised relative path (`a/b`, never `./a/b/`, never absolute). */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  mtime: number;
  linkTarget?: string;
  /** Offset of the entry's data in the (uncompressed) archive. */
  dataOffset: number;
  /** The entry's bytes; read it before asking for the next entry or it is skipped. */
  body(): AsyncGenerator<Buffer>;
}

const GiB = 1024 ** 3;

export async function* readTar(
  source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>,
  options: TarReadOptions = {},
): AsyncGenerator<TarEntry> {
  const maxEntrySize = options.maxEntrySize ?? 8 * GiB;
  const maxTotal = options.maxTotalSize ?? 32 * GiB;
  const maxEntries = options.maxEntries ?? 100_000;
  const maxMeta = options.maxMetadataSize ?? 64 * 1024;
  const reader = new ByteReader(source);
  const seen = new Map<string, TarEntry['type']>();
  /** Folders implied by deeper entries ("a" for "a/b"), which a later file or link may not replace. */
  const impliedDirs = new Set<string>();
  let total = 0;
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;

  const readMeta = async (header: RawHeader, what: string): Promise<Buffer> => {
    if (header.size > maxMeta)
      throw new TarError('oversize', `A ${what} record of ${header.size} bytes is larger than allowed (${maxMeta}).`);
    const data = await reader.read(header.size);
    if (data.length < header.size) throw new TarError('truncated', 'The archive ends in the middle of an entry.');
    if ((await reader.skip(padding(header.size))) < padding(header.size))
      throw new TarError('truncated', 'The archive ends in the middle of an entry.');
    return data;
  };

  try {
    for (;;) {
      const block = await reader.read(BLOCK);
      if (block.length === 0)
        throw new TarError('truncated', 'The archive ends without an end-of-archive marker; it is probably truncated.');
      if (block.length < BLOCK) throw new TarError('truncated', 'The archive ends in the middle of a header; it is probably truncated.');
      if (isZeroBlock(block)) {
        if (pax.size > 0 || longName !== undefined || longLink !== undefined) {
          throw new TarError('truncated', 'The archive ends after an extended header without its entry.');
        }
        return;
      }
      const header = decodeHeader(block);
      if (!header) throw new TarError('bad-header', `The archive has a corrupt header at byte ${reader.position - BLOCK}.`);

      if (header.type === 'pax' || header.type === 'pax-global') {
        const data = await readMeta(header, 'pax header');
        let records: Map<string, string>;
        try {
          records = parsePax(data);
        } catch {
          throw new TarError('bad-header', `The archive has a malformed pax header at byte ${reader.position}.`);
        }
        if (header.type === 'pax') pax = records; // global headers carry nothing we use
        continue;
      }
      if (header.type === 'gnu-longname' || header.type === 'gnu-longlink') {
        const value = (await readMeta(header, 'long name')).toString('utf8').replace(/\0+$/, '');
        if (header.type === 'gnu-longname') longName = value;
        else longLink = value;
        continue;
      }

      const rawName = pax.get('path') ?? longName ?? header.name;
      const rawLink = pax.get('linkpath') ?? longLink ?? header.linkname;
      let size = header.size;
      const paxSize = pax.get('size');
      if (paxSize !== undefined) {
        if (!/^\d+$/.test(paxSize)) throw new TarError('bad-header', `The entry ${shown(rawName)} has an invalid pax size.`, rawName);
        size = Number(paxSize);
      }
      pax = new Map();
      longName = undefined;
      longLink = undefined;

      if (header.type === 'hardlink') throw new TarError('hard-link', `The entry ${shown(rawName)} is a hard link.`, rawName);
      if (header.type === 'symlink' && !options.allowSymlinks) {
        throw new TarError('symlink', `The entry ${shown(rawName)} is a symbolic link.`, rawName);
      }
      if (header.type !== 'file' && header.type !== 'contiguous' && header.type !== 'directory' && header.type !== 'symlink') {
        throw new TarError(
          'special-file',
          `The entry ${shown(rawName)} has an unsupported type (${JSON.stringify(header.typeflag)}); only files and folders are accepted.`,
          rawName,
        );
      }
      const type: TarEntry['type'] = header.type === 'directory' ? 'directory' : header.type === 'symlink' ? 'symlink' : 'file';
      const path = normalizeEntryPath(rawName);
      if (path === '.' && type === 'directory') {
        await reader.skip(size + padding(size));
        continue;
      }
      if (path === '.') throw new TarError('bad-path', `An entry named ${shown(rawName)} is not a file name.`, rawName);
      if (type === 'symlink') checkSymlinkTarget(path, rawLink);
      if (type !== 'file' && size !== 0)
        throw new TarError('bad-header', `The entry ${shown(rawName)} is not a file but carries data.`, rawName);

      if (seen.has(path)) throw new TarError('duplicate', `The entry ${shown(path)} appears more than once.`, path);
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join('/');
        const parentType = seen.get(parent);
        if (parentType !== undefined && parentType !== 'directory') {
          throw new TarError('traversal', `The entry ${shown(path)} goes through ${shown(parent)}, which is not a folder.`, path);
        }
      }
      if (type !== 'directory' && impliedDirs.has(path)) {
        throw new TarError('duplicate', `The entry ${shown(path)} is both a folder and a file.`, path);
      }
      for (let i = 1; i < parts.length; i++) impliedDirs.add(parts.slice(0, i).join('/'));
      if (seen.size >= maxEntries) throw new TarError('too-many-entries', `The archive has more than ${maxEntries} entries.`);
      if (size > maxEntrySize)
        throw new TarError('oversize', `The entry ${shown(path)} is ${size} bytes, more than the ${maxEntrySize} allowed.`, path);
      total += size;
      if (total > maxTotal) throw new TarError('oversize', `The archive holds more than ${maxTotal} bytes.`, path);
      seen.set(path, type);

      const dataOffset = reader.position;
      let consumed = 0;
      let started = false;
      const entry: TarEntry = {
        path,
        type,
        mode: header.mode,
        size,
        mtime: header.mtime,
        ...(type === 'symlink' ? { linkTarget: rawLink } : {}),
        dataOffset,
        body: async function* () {
          if (started) throw new Error(`The body of ${path} was already read.`);
          started = true;
          for await (const chunk of reader.chunks(size)) {
            consumed += chunk.length;
            yield chunk;
          }
          if (consumed < size)
            throw new TarError('truncated', `The archive ends in the middle of ${shown(path)}; it is probably truncated.`, path);
        },
      };
      yield entry;
      const left = size - consumed;
      if ((await reader.skip(left)) < left)
        throw new TarError('truncated', `The archive ends in the middle of ${shown(path)}; it is probably truncated.`, path);
      const pad = padding(size);
      if ((await reader.skip(pad)) < pad) throw new TarError('truncated', 'The archive ends in the middle of an entry.', path);
    }
  } finally {
    await reader.close();
  }
}
