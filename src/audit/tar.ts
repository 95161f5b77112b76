/**
 * The small part of ustar (POSIX.1-1988) that audit bundles need: plain files in one folder.
 *
 * Writing: fixed, deterministic headers (mode 0644, uid/gid 0, no user names). Sizes above the
 * 11-digit octal limit (8 GiB) use the base-256 form GNU tar and libarchive read.
 *
 * Reading: a push parser that never trusts the archive. It refuses links, directories, devices,
 * pax/GNU extension headers, names that are not one plain file name, duplicates, bad checksums,
 * anything but zero blocks after the end marker, and an archive that ends early.
 */

export const BLOCK = 512;

export type TarProblemKind = 'archive' | 'unsafeEntry' | 'duplicateEntry';

export class TarError extends Error {
  override name = 'TarError';
  constructor(
    readonly kind: TarProblemKind,
    message: string,
    readonly entry?: string,
  ) {
    super(message);
  }
}

/** One plain file name: letters, digits, dot, dash, underscore; not starting with a dot. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

export function isSafeEntryName(name: string): boolean {
  return SAFE_NAME.test(name);
}

function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  header.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, width, 'latin1');
}

/** A ustar header for a regular file. */
export function tarHeader(name: string, size: number, mtime: Date): Buffer {
  if (!isSafeEntryName(name)) throw new Error(`unsafe tar entry name: ${name}`);
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad tar entry size: ${size}`);
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  if (size <= 0o77777777777) {
    writeOctal(header, 124, 12, size);
  } else {
    header[124] = 0x80; // base-256, big-endian in the remaining 11 bytes
    let rest = size;
    for (let i = 135; i > 124; i--) {
      header[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }
  writeOctal(header, 136, 12, Math.max(0, Math.floor(mtime.getTime() / 1000)));
  header.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  header[156] = 0x30; // '0' regular file
  header.write('ustar\u000000', 257, 8, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return header;
}

export function tarPadding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The end-of-archive marker: two zero blocks. */
export function tarEnd(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

export function tarEntry(name: string, data: Buffer, mtime: Date): Buffer {
  return Buffer.concat([tarHeader(name, data.length, mtime), data, tarPadding(data.length)]);
}

export interface TarEntryHeader {
  name: string;
  size: number;
}

export interface TarEntrySink {
  data(chunk: Buffer): void;
  end(): void;
}

function readString(block: Buffer, offset: number, width: number): string {
  const field = block.subarray(offset, offset + width);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? width : nul).toString('utf8');
}

function readOctal(block: Buffer, offset: number, width: number, what: string): number {
  const field = block.subarray(offset, offset + width);
  if (field[0]! & 0x80) {
    if (field[0] !== 0x80) throw new TarError('archive', `the ${what} field of an entry is negative or too large`);
    let value = 0;
    for (let i = 1; i < width; i++) value = value * 256 + field[i]!;
    if (!Number.isSafeInteger(value)) throw new TarError('archive', `the ${what} field of an entry is too large`);
    return value;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (!/^[0-7]+$/.test(text)) throw new TarError('archive', `the ${what} field of an entry is not a number (damaged archive)`);
  return parseInt(text, 8);
}

function describeType(flag: number): string {
  switch (String.fromCharCode(flag)) {
    case '1':
      return 'hard link';
    case '2':
      return 'symbolic link';
    case '3':
    case '4':
      return 'device';
    case '5':
      return 'directory';
    case '6':
      return 'FIFO';
    case 'x':
    case 'g':
      return 'pax extended header';
    case 'L':
    case 'K':
      return 'GNU long-name header';
    default:
      return `type ${JSON.stringify(String.fromCharCode(flag))} entry`;
  }
}

/**
 * Push parser: feed decompressed bytes with `push`, then call `finish` at end of input. For each
 * entry, `onEntry` returns where its bytes go. Throws TarError on anything unsafe or malformed.
 */
export class TarStreamParser {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private state: 'header' | 'data' | 'padding' | 'secondZero' | 'ended' = 'header';
  private remaining = 0;
  private sink: TarEntrySink | null = null;
  private readonly seen = new Set<string>();

  constructor(private readonly onEntry: (header: TarEntryHeader) => TarEntrySink) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, chunk.length - offset);
        this.sink!.data(chunk.subarray(offset, offset + take));
        offset += take;
        this.remaining -= take;
        if (this.remaining === 0) this.finishEntry();
        continue;
      }
      if (this.state === 'padding') {
        const take = Math.min(this.remaining, chunk.length - offset);
        offset += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'header';
        continue;
      }
      if (this.state === 'ended') {
        for (let i = offset; i < chunk.length; i++) {
          if (chunk[i] !== 0) throw new TarError('archive', 'data follows the end of the archive (something was appended)');
        }
        return;
      }
      // header or secondZero: collect one block
      const take = Math.min(BLOCK - this.pendingLength, chunk.length - offset);
      this.pending.push(chunk.subarray(offset, offset + take));
      this.pendingLength += take;
      offset += take;
      if (this.pendingLength === BLOCK) {
        const block = Buffer.concat(this.pending, BLOCK);
        this.pending = [];
        this.pendingLength = 0;
        this.handleBlock(block);
      }
    }
  }

  /** Call at end of input. */
  finish(): void {
    if (this.state !== 'ended') {
      throw new TarError('archive', 'the archive ends early (truncated): the end-of-archive marker is missing');
    }
  }

  private finishEntry(): void {
    this.sink!.end();
    this.sink = null;
    if (this.remainingPadding > 0) {
      this.remaining = this.remainingPadding;
      this.state = 'padding';
    } else {
      this.state = 'header';
    }
  }

  private remainingPadding = 0;

  private handleBlock(block: Buffer): void {
    const zero = block.every((byte) => byte === 0);
    if (this.state === 'secondZero') {
      if (!zero) throw new TarError('archive', 'a lone zero block inside the archive (damaged archive)');
      this.state = 'ended';
      return;
    }
    if (zero) {
      this.state = 'secondZero';
      return;
    }
    const stored = readOctal(block, 148, 8, 'checksum');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (sum !== stored) throw new TarError('archive', 'an entry header has a bad checksum (damaged archive)');
    if (block.toString('latin1', 257, 263) !== 'ustar\0' || block.toString('latin1', 263, 265) !== '00') {
      throw new TarError('archive', 'an entry is not in POSIX ustar format');
    }
    const prefix = readString(block, 345, 155);
    const name = prefix ? `${prefix}/${readString(block, 0, 100)}` : readString(block, 0, 100);
    const flag = block[156]!;
    if (flag !== 0x30 && flag !== 0) {
      throw new TarError('unsafeEntry', `the entry "${name}" is a ${describeType(flag)}; a bundle holds only plain files`, name);
    }
    if (!isSafeEntryName(name)) {
      throw new TarError(
        'unsafeEntry',
        `the entry name ${JSON.stringify(name)} is not a plain file name (it could escape the folder it is unpacked into)`,
        name,
      );
    }
    if (this.seen.has(name)) throw new TarError('duplicateEntry', `the entry "${name}" appears twice`, name);
    this.seen.add(name);
    const size = readOctal(block, 124, 12, 'size');
    this.sink = this.onEntry({ name, size });
    this.remaining = size;
    this.remainingPadding = tarPadding(size).length;
    if (size === 0) this.finishEntry();
    else this.state = 'data';
  }
}
