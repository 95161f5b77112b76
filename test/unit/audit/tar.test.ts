/** The bundle's ustar writer and its strict streaming reader. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK, TarError, TarStreamParser, isSafeEntryName, tarEnd, tarEntry, tarHeader } from '../../../src/audit/tar';

const mtime = new Date('2026-05-01T00:00:00Z');

function read(archive: Buffer, chunkSize = 97): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const parser = new TarStreamParser(({ name }) => {
    const parts: Buffer[] = [];
    return { data: (c) => parts.push(Buffer.from(c)), end: () => files.set(name, Buffer.concat(parts)) };
  });
  for (let i = 0; i < archive.length; i += chunkSize) parser.push(archive.subarray(i, i + chunkSize));
  parser.finish();
  return files;
}

function rawHeader(name: string, size: number, type: string, patch?: (h: Buffer) => void): Buffer {
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write(type, 156, 'latin1');
  header.write('ustar\u000000', 257, 'latin1');
  patch?.(header);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

function expectTarError(archive: Buffer, kind: string, pattern: RegExp): void {
  assert.throws(
    () => read(archive),
    (error: unknown) => error instanceof TarError && error.kind === kind && pattern.test(error.message),
  );
}

test('written entries read back byte for byte, whatever the chunking', () => {
  const a = Buffer.from('hello\n');
  const b = Buffer.alloc(BLOCK * 3, 0x41);
  const empty = Buffer.alloc(0);
  const archive = Buffer.concat([
    tarEntry('a.txt', a, mtime),
    tarEntry('b.bin', b, mtime),
    tarEntry('empty', empty, mtime),
    tarEnd(),
    Buffer.alloc(BLOCK * 4),
  ]);
  for (const chunk of [1, 7, 512, 100_000]) {
    const files = read(archive, chunk);
    assert.deepEqual([...files.keys()], ['a.txt', 'b.bin', 'empty']);
    assert.ok(files.get('a.txt')!.equals(a));
    assert.ok(files.get('b.bin')!.equals(b));
    assert.equal(files.get('empty')!.length, 0);
  }
});

test('headers are ustar with a valid checksum, and sizes past 8 GiB use base-256', () => {
  const header = tarHeader('events.jsonl', 12, mtime);
  assert.equal(header.toString('latin1', 257, 265), 'ustar\u000000');
  assert.equal(header.toString('latin1', 124, 136), '00000000014\0');
  const big = tarHeader('events.jsonl', 9 * 1024 ** 3, mtime);
  assert.equal(big[124], 0x80);
  assert.equal(big.readUIntBE(130, 6), 9 * 1024 ** 3);
  let seen = -1;
  const parser = new TarStreamParser(({ size }) => {
    seen = size;
    return { data: () => undefined, end: () => undefined };
  });
  parser.push(big);
  assert.equal(seen, 9 * 1024 ** 3);
});

test('only plain one-level file names are safe', () => {
  for (const name of ['events.jsonl', 'README.txt', 'manifest.json.p7s', 'a_b-c.1']) assert.ok(isSafeEntryName(name), name);
  for (const name of ['', '.', '..', '../x', '/etc/passwd', 'a/b', '.hidden', 'a\\b', 'x\0y', 'ü.txt', 'a'.repeat(101)])
    assert.ok(!isSafeEntryName(name), name);
});

test('links, directories, devices and extension headers are refused', () => {
  const cases: Array<[string, string]> = [
    ['2', 'symbolic link'],
    ['1', 'hard link'],
    ['5', 'directory'],
    ['3', 'device'],
    ['x', 'pax extended header'],
    ['L', 'GNU long-name header'],
  ];
  for (const [type, what] of cases) {
    expectTarError(Buffer.concat([rawHeader('evil', 0, type), tarEnd()]), 'unsafeEntry', new RegExp(what));
  }
});

test('names that could escape the folder are refused, also through the prefix field', () => {
  expectTarError(Buffer.concat([rawHeader('../../etc/cron.d/x', 0, '0'), tarEnd()]), 'unsafeEntry', /not a plain file name/);
  expectTarError(Buffer.concat([rawHeader('/abs', 0, '0'), tarEnd()]), 'unsafeEntry', /not a plain file name/);
  expectTarError(Buffer.concat([rawHeader('x', 0, '0', (h) => h.write('..', 345, 'latin1')), tarEnd()]), 'unsafeEntry', /"\.\.\/x"/);
});

test('duplicates, bad checksums, non-ustar headers, truncation and appended data are refused', () => {
  const one = tarEntry('a.txt', Buffer.from('1'), mtime);
  expectTarError(Buffer.concat([one, one, tarEnd()]), 'duplicateEntry', /appears twice/);
  const corrupt = Buffer.from(one);
  corrupt[0] = 0x62;
  expectTarError(Buffer.concat([corrupt, tarEnd()]), 'archive', /checksum/);
  expectTarError(Buffer.concat([rawHeader('a', 0, '0', (h) => h.write('ustar  \0', 257, 'latin1')), tarEnd()]), 'archive', /ustar/);
  expectTarError(one, 'archive', /ends early/);
  expectTarError(Buffer.concat([one, Buffer.alloc(BLOCK)]), 'archive', /ends early/);
  expectTarError(Buffer.concat([one, tarEnd(), Buffer.from('more')]), 'archive', /appended/);
  expectTarError(Buffer.concat([one, Buffer.alloc(BLOCK), one]), 'archive', /lone zero block/);
  expectTarError(Buffer.concat([tarHeader('big', 5000, mtime), Buffer.alloc(100)]), 'archive', /ends early/);
});
