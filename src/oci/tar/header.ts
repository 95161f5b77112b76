/**
 * ustar header encoding and decoding (POSIX.1-1988 with the pax extensions we need).
 * Layout: name[100] mode[8] uid[8] gid[8] size[12] mtime[12] chksum[8] typeflag[1] linkname[100]
 * magic[6] version[2] uname[32] gname[32] devmajor[8] devminor[8] prefix[155] pad[12].
 */
export const BLOCK = 512;

export type RawType =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'char'
  | 'block'
  | 'directory'
  | 'fifo'
  | 'contiguous'
  | 'pax'
  | 'pax-global'
  | 'gnu-longname'
  | 'gnu-longlink'
  | 'other';

const TYPE_BY_FLAG: Record<string, RawType> = {
  '0': 'file',
  '\0': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous',
  x: 'pax',
  g: 'pax-global',
  L: 'gnu-longname',
  K: 'gnu-longlink',
};

export interface RawHeader {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  type: RawType;
  typeflag: string;
  linkname: string;
}

function readString(block: Buffer, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? length : end).toString('utf8');
}

/** Octal (space/NUL terminated) or GNU base-256 (high bit set) numbers. Returns NaN when invalid. */
function readNumber(block: Buffer, offset: number, length: number): number {
  const first = block[offset] ?? 0;
  if (first & 0x80) {
    if (first !== 0x80) return NaN; // negative or too large for us
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + (block[i] ?? 0);
    return Number.isSafeInteger(value) ? value : NaN;
  }
  const text = block
    .subarray(offset, offset + length)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return NaN;
  return parseInt(text, 8);
}

export function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

function checksumOk(block: Buffer): boolean {
  const stored = readNumber(block, 148, 8);
  if (Number.isNaN(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** Decodes a header block; returns null when the block is not a valid header. */
export function decodeHeader(block: Buffer): RawHeader | null {
  if (block.length !== BLOCK || !checksumOk(block)) return null;
  const magic = block.subarray(257, 263).toString('latin1');
  const isUstar = magic === 'ustar\0' || magic === 'ustar ';
  const typeflag = String.fromCharCode(block[156] ?? 0);
  const name = readString(block, 0, 100);
  const prefix = isUstar && magic === 'ustar\0' ? readString(block, 345, 155) : '';
  const size = readNumber(block, 124, 12);
  const mode = readNumber(block, 100, 8);
  const mtime = readNumber(block, 136, 12);
  if ([size, mode].some((n) => Number.isNaN(n))) return null;
  return {
    name: prefix ? `${prefix}/${name}` : name,
    mode: mode & 0o7777,
    size,
    mtime: Number.isNaN(mtime) ? 0 : mtime,
    type: TYPE_BY_FLAG[typeflag] ?? 'other',
    typeflag,
    linkname: readString(block, 157, 100),
  };
}

/** Parses pax extended header records ("<len> key=value\n"). Throws on malformed records. */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    if (space < 0) throw new Error('malformed pax record');
    const length = Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= space - pos + 1 || pos + length > data.length) {
      throw new Error('malformed pax record');
    }
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    if (data[pos + length - 1] !== 0x0a) throw new Error('malformed pax record');
    const eq = record.indexOf('=');
    if (eq <= 0) throw new Error('malformed pax record');
    out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return out;
}

export interface HeaderFields {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname?: string;
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new Error(`tar header field overflow (${value})`);
  block.write(`${text}\0`, offset, length, 'latin1');
}

/** Splits a name into ustar prefix/name when it fits; otherwise returns null (use pax). */
export function splitUstarName(name: string): { prefix: string; name: string } | null {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return { prefix, name: rest };
  }
  return null;
}

/** Encodes a ustar header. `name` must already fit (see splitUstarName). uid/gid 0, no user names. */
export function encodeHeader(fields: HeaderFields, prefix = ''): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, fields.mode & 0o7777);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime);
  block.write(fields.typeflag, 156, 1, 'latin1');
  if (fields.linkname) block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'latin1');
  block.write('00', 263, 2, 'latin1');
  if (prefix) block.write(prefix, 345, 155, 'utf8');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return block;
}

/** One pax record, with its self-including length prefix. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
