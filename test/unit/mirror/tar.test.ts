import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTar, tarStream, TarError, type TarInputEntry, type TarReadOptions } from '../../../src/oci';
import { encodeHeader, padding } from '../../../src/oci/tar/header';

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(chunk);
  return Buffer.concat(parts);
}

async function tarOf(entries: TarInputEntry[]): Promise<Buffer> {
  return await collect(tarStream(entries));
}

/** A raw archive from hand-made headers, to build what our writer would never produce. */
function rawTar(entries: { name: string; typeflag: string; data?: Buffer; linkname?: string }[], end = true): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    parts.push(encodeHeader({ name: e.name, mode: 0o644, size: data.length, mtime: 0, typeflag: e.typeflag, linkname: e.linkname }));
    parts.push(data, Buffer.alloc(padding(data.length)));
  }
  if (end) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

async function* chunked(buffer: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}

async function readAll(buffer: Buffer, options?: TarReadOptions): Promise<{ path: string; type: string; data: string }[]> {
  const out: { path: string; type: string; data: string }[] = [];
  for await (const entry of readTar(chunked(buffer, 333), options)) {
    out.push({ path: entry.path, type: entry.type, data: (await collect(entry.body())).toString() });
  }
  return out;
}

async function refusal(buffer: Buffer, options?: TarReadOptions): Promise<TarError> {
  try {
    await readAll(buffer, options);
  } catch (error) {
    assert.ok(error instanceof TarError, `expected TarError, got ${String(error)}`);
    assert.equal(error.code, 'VERIFY_FAILED');
    return error;
  }
  assert.fail('the archive was accepted');
}

test('round trip: files, folders, long names through pax', async () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
  const buffer = await tarOf([
    { type: 'directory', path: 'a' },
    { type: 'file', path: 'a/one.txt', size: 3, body: Buffer.from('one') },
    { type: 'file', path: long, size: 4, body: Buffer.from('long') },
  ]);
  assert.deepEqual(await readAll(buffer), [
    { path: 'a', type: 'directory', data: '' },
    { path: 'a/one.txt', type: 'file', data: 'one' },
    { path: long, type: 'file', data: 'long' },
  ]);
});

test('GNU tar can list what the writer produced, and the reader reads what GNU tar produced', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tar-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const long = `${'x'.repeat(150)}/name.txt`;
  const ours = await tarOf([{ type: 'file', path: long, size: 2, body: Buffer.from('hi') }]);
  writeFileSync(join(dir, 'ours.tar'), ours);
  assert.equal(
    execFileSync('tar', ['-tf', join(dir, 'ours.tar')])
      .toString()
      .trim(),
    long,
  );

  execFileSync('mkdir', ['-p', join(dir, 'src', 'x'.repeat(150))]);
  writeFileSync(join(dir, 'src', 'x'.repeat(150), 'y'.repeat(120)), 'gnu');
  execFileSync('tar', ['--format=gnu', '-cf', join(dir, 'gnu.tar'), '-C', join(dir, 'src'), '.']);
  const entries = await readAll(readFileSync(join(dir, 'gnu.tar')));
  assert.deepEqual(
    entries.map((e) => e.path),
    ['x'.repeat(150), `${'x'.repeat(150)}/${'y'.repeat(120)}`],
  );
  assert.equal(entries[1]?.data, 'gnu');
});

test('refuses "../" entries', async () => {
  const error = await refusal(rawTar([{ name: 'ok/../../etc/passwd', typeflag: '0', data: Buffer.from('x') }]));
  assert.equal(error.reason, 'traversal');
  assert.match(error.message, /escapes its folder/);
});

test('refuses absolute paths', async () => {
  assert.equal((await refusal(rawTar([{ name: '/etc/passwd', typeflag: '0', data: Buffer.from('x') }]))).reason, 'absolute-path');
});

test('refuses symlinks by default and allows them only when asked, within the root', async () => {
  const link = rawTar([{ name: 'bin/sh', typeflag: '2', linkname: 'busybox' }]);
  assert.equal((await refusal(link)).reason, 'symlink');
  assert.deepEqual(await readAll(link, { allowSymlinks: true }), [{ path: 'bin/sh', type: 'symlink', data: '' }]);
  const escaping = rawTar([{ name: 'a', typeflag: '2', linkname: '../../etc' }]);
  assert.equal((await refusal(escaping, { allowSymlinks: true })).reason, 'traversal');
  const through = rawTar([
    { name: 'a', typeflag: '2', linkname: 'b' },
    { name: 'a/file', typeflag: '0', data: Buffer.from('x') },
  ]);
  assert.equal((await refusal(through, { allowSymlinks: true })).reason, 'traversal');
});

test('refuses hard links, device nodes and fifos', async () => {
  assert.equal((await refusal(rawTar([{ name: 'x', typeflag: '1', linkname: 'etc/shadow' }]))).reason, 'hard-link');
  assert.equal((await refusal(rawTar([{ name: 'dev', typeflag: '3' }]))).reason, 'special-file');
  assert.equal((await refusal(rawTar([{ name: 'p', typeflag: '6' }]))).reason, 'special-file');
});

test('refuses "../" hidden in a pax path', async () => {
  const data = Buffer.from('23 path=../../evil.txt\n');
  const buffer = Buffer.concat([
    encodeHeader({ name: 'PaxHeader', mode: 0o644, size: data.length, mtime: 0, typeflag: 'x' }),
    data,
    Buffer.alloc(padding(data.length)),
    rawTar([{ name: 'innocent.txt', typeflag: '0', data: Buffer.from('x') }]),
  ]);
  assert.equal((await refusal(buffer)).reason, 'traversal');
});

test('refuses duplicate entries (also when spelled differently)', async () => {
  const buffer = rawTar([
    { name: 'manifest.json', typeflag: '0', data: Buffer.from('[]') },
    { name: './manifest.json', typeflag: '0', data: Buffer.from('[]') },
  ]);
  assert.equal((await refusal(buffer)).reason, 'duplicate');
});

test('refuses truncated archives: mid-body, mid-header and missing end marker', async () => {
  const full = rawTar([{ name: 'big', typeflag: '0', data: Buffer.alloc(5000, 1) }]);
  assert.equal((await refusal(full.subarray(0, 3000))).reason, 'truncated');
  assert.equal((await refusal(full.subarray(0, 200))).reason, 'truncated');
  assert.equal((await refusal(full.subarray(0, full.length - 1024))).reason, 'truncated');
  assert.equal((await refusal(Buffer.alloc(0))).reason, 'truncated');
});

test('refuses oversized entries before reading their data, and too many entries', async () => {
  const buffer = rawTar([{ name: 'big', typeflag: '0', data: Buffer.alloc(2048) }]);
  assert.equal((await refusal(buffer, { maxEntrySize: 1024 })).reason, 'oversize');
  assert.equal((await refusal(buffer, { maxTotalSize: 1024 })).reason, 'oversize');
  const many = rawTar([1, 2, 3].map((n) => ({ name: `f${n}`, typeflag: '0', data: Buffer.from('x') })));
  assert.equal((await refusal(many, { maxEntries: 2 })).reason, 'too-many-entries');
});

test('refuses a corrupt header checksum', async () => {
  const buffer = rawTar([{ name: 'f', typeflag: '0', data: Buffer.from('x') }]);
  buffer[0] = 'g'.charCodeAt(0);
  assert.equal((await refusal(buffer)).reason, 'bad-header');
});

test('skips bodies the caller does not read', async () => {
  const buffer = await tarOf([
    { type: 'file', path: 'a', size: 1000, body: Buffer.alloc(1000, 97) },
    { type: 'file', path: 'b', size: 2, body: Buffer.from('bb') },
  ]);
  const seen: string[] = [];
  for await (const entry of readTar(chunked(buffer))) {
    if (entry.path === 'b') seen.push((await collect(entry.body())).toString());
    else seen.push(entry.path);
  }
  assert.deepEqual(seen, ['a', 'bb']);
});

test('the writer refuses a body that does not match its declared size', async () => {
  await assert.rejects(tarOf([{ type: 'file', path: 'a', size: 5, body: Buffer.from('abc') }]), /declared 5/);
});

test('refuses a file that replaces a folder an earlier entry implied', async () => {
  const buffer = rawTar([
    { name: 'a/b', typeflag: '0', data: Buffer.from('x') },
    { name: 'a', typeflag: '0', data: Buffer.from('y') },
  ]);
  assert.equal((await refusal(buffer)).reason, 'duplicate');
  // A folder entry after its files is normal (some tools write them last).
  const ok = rawTar([
    { name: 'a/b', typeflag: '0', data: Buffer.from('x') },
    { name: 'a/', typeflag: '5' },
  ]);
  assert.deepEqual(
    (await readAll(ok)).map((e) => e.path),
    ['a/b', 'a'],
  );
});
