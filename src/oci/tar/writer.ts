/**
 * A streaming ustar writer. Entries come from an (async) iterable and bytes go out as an async
 * generator, so a multi-hundred-megabyte layer never sits in memory. Names that do not fit ustar get
 * a pax header; every numeric field is deterministic (uid/gid 0, the caller's mtime, no user names).
 */
import { createReadStream } from 'node:fs';
import { BLOCK, encodeHeader, padding, paxRecord, splitUstarName } from './header';

export type TarBody = Buffer | { path: string } | (() => AsyncIterable<Buffer | Uint8Array>);

export type TarInputEntry =
  | { type: 'file'; path: string; mode?: number; mtime?: number; size: number; body: TarBody }
  | { type: 'directory'; path: string; mode?: number; mtime?: number }
  | { type: 'symlink'; path: string; target: string; mtime?: number };

const END = Buffer.alloc(BLOCK * 2);

function bodyChunks(body: TarBody): AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer> {
  if (Buffer.isBuffer(body)) return [body];
  if (typeof body === 'function') return body();
  return createReadStream(body.path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
}

function headerBlocks(name: string, typeflag: string, mode: number, size: number, mtime: number, linkname = ''): Buffer[] {
  const split = splitUstarName(name);
  const linkFits = Buffer.byteLength(linkname) <= 100;
  const blocks: Buffer[] = [];
  if (!split || !linkFits) {
    let records = '';
    if (!split) records += paxRecord('path', name);
    if (!linkFits) records += paxRecord('linkpath', linkname);
    const data = Buffer.from(records, 'utf8');
    blocks.push(encodeHeader({ name: 'PaxHeader', mode: 0o644, size: data.length, mtime, typeflag: 'x' }));
    blocks.push(data, Buffer.alloc(padding(data.length)));
  }
  const short = split ?? { prefix: '', name: Buffer.from(name).subarray(0, 100).toString('utf8') };
  blocks.push(
    encodeHeader({ name: short.name, mode, size, mtime, typeflag, linkname: linkFits ? linkname : linkname.slice(0, 100) }, short.prefix),
  );
  return blocks;
}

/** Yields the bytes of a tar archive holding `entries`, in the order given, ending with two zero blocks. */
export async function* tarStream(entries: Iterable<TarInputEntry> | AsyncIterable<TarInputEntry>): AsyncGenerator<Buffer> {
  for await (const entry of entries) {
    const mtime = entry.mtime ?? 0;
    if (entry.type === 'directory') {
      const name = entry.path.endsWith('/') ? entry.path : `${entry.path}/`;
      yield* headerBlocks(name, '5', entry.mode ?? 0o755, 0, mtime);
      continue;
    }
    if (entry.type === 'symlink') {
      yield* headerBlocks(entry.path, '2', 0o777, 0, mtime, entry.target);
      continue;
    }
    yield* headerBlocks(entry.path, '0', entry.mode ?? 0o644, entry.size, mtime);
    let written = 0;
    for await (const chunk of bodyChunks(entry.body)) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      written += buffer.length;
      if (written > entry.size) throw new Error(`tar entry ${entry.path} is larger than its declared size ${entry.size}`);
      yield buffer;
    }
    if (written !== entry.size) throw new Error(`tar entry ${entry.path} has ${written} bytes, declared ${entry.size}`);
    const pad = padding(entry.size);
    if (pad) yield Buffer.alloc(pad);
  }
  yield END;
}
