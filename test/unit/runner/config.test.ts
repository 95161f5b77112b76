/** A run's configuration is checked against the task's variables and secrets before anything starts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { taskSchema } from '../../../src/bundles/schema';
import { resolveConfig } from '../../../src/runner/config';
import { tempDir } from '../../helpers/core';

const task = taskSchema.parse({
  id: 'scan',
  title: 'Scan',
  tags: ['access:read-only'],
  access: 'read-only',
  command: ['/bin/sh', '-c', 'true'],
  config: [
    { name: 'LOG_FILE', type: 'file', required: true },
    { name: 'PATTERN', type: 'string', pattern: '[a-z|]+', default: 'error' },
    { name: 'MAX', type: 'number', default: 50 },
    { name: 'CASE', type: 'boolean', default: false },
    { name: 'SEVERITY', type: 'enum', enum: ['1', '2', '3', '4'], default: '3' },
    { name: 'NOTE', type: 'string' },
  ],
  secrets: [{ name: 'token' }],
});

function file(): string {
  const path = join(tempDir(), 'app.log');
  writeFileSync(path, 'error here\n');
  return path;
}

const empty = { values: {}, files: {}, secrets: {} };

test('defaults fill in, values are normalised, file variables become read-only mounts at /airgap/files/NAME', () => {
  const path = file();
  const link = join(tempDir(), 'link.log');
  symlinkSync(path, link);
  const r = resolveConfig(task, { values: { MAX: ' 7.50 ', CASE: 'TRUE' }, files: { LOG_FILE: link }, secrets: {} });
  assert.deepEqual(r.env, { LOG_FILE: '/airgap/files/LOG_FILE', PATTERN: 'error', MAX: '7.5', CASE: 'true', SEVERITY: '3' });
  assert.deepEqual(r.files, [{ name: 'LOG_FILE', hostPath: path, containerPath: '/airgap/files/LOG_FILE' }]);
  assert.deepEqual(r.secrets, { token: 'token' });
  assert.deepEqual(r.recorded, { values: { MAX: '7.5', CASE: 'true' }, files: { LOG_FILE: path }, secrets: { token: 'token' } });
});

test('each kind of bad input is INVALID_INPUT naming the variable', () => {
  const f = { LOG_FILE: file() };
  const bad: Array<[Parameters<typeof resolveConfig>[1], RegExp]> = [
    [empty, /LOG_FILE is required/],
    [{ ...empty, files: f, values: { NOPE: 'x' } }, /no variable NOPE/],
    [{ ...empty, files: f, values: { PATTERN: 'UPPER' } }, /PATTERN: .*does not match/],
    [{ ...empty, files: f, values: { MAX: '12abc' } }, /MAX: expected a number/],
    [{ ...empty, files: f, values: { CASE: 'yes' } }, /CASE: expected true or false/],
    [{ ...empty, files: f, values: { SEVERITY: '5' } }, /SEVERITY: expected one of/],
    [{ ...empty, files: f, values: { LOG_FILE: '/etc/hostname' } }, /LOG_FILE is a file variable/],
    [{ ...empty, files: { ...f, PATTERN: '/etc/hostname' } }, /PATTERN is not a file variable/],
    [{ ...empty, files: { LOG_FILE: 'relative.log' } }, /absolute path/],
    [{ ...empty, files: { LOG_FILE: '/nonexistent/x.log' } }, /cannot read/],
    [{ ...empty, files: { LOG_FILE: tempDir() } }, /not a regular file/],
    [{ ...empty, files: f, secrets: { other: 'item' } }, /declares no secret other/],
    [{ ...empty, files: f, values: { NOTE: 'a\u0000b' } }, /NUL/],
  ];
  for (const [input, message] of bad) {
    assert.throws(
      () => resolveConfig(task, input),
      (e: { code?: string; message?: string }) => e.code === 'INVALID_INPUT' && message.test(e.message ?? ''),
      String(message),
    );
  }
});

test('a secret may be filled from a differently named vault item', () => {
  const r = resolveConfig(task, { ...empty, files: { LOG_FILE: file() }, secrets: { token: 'prod-token' } });
  assert.deepEqual(r.secrets, { token: 'prod-token' });
});
