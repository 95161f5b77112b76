/* eslint-disable @typescript-eslint/no-explicit-any -- the tests edit a free-form YAML document */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { CodebundleInvalidError, parseCodebundleYaml } from '../../../src/bundles/index';

function minimal(): Record<string, unknown> {
  return {
    apiVersion: 'airgap-runner.io/v1',
    name: 'disk-check',
    version: '1.2.3-rc.1+build.5',
    description: 'Checks disks.',
    maintainer: 'Ops <ops@example.org>',
    tasks: [
      {
        id: 'check',
        title: 'Check Disk',
        tags: ['access:read-only', 'data:metrics'],
        access: 'read-only',
        command: ['/bin/sh', '/codebundle/check.sh'],
        config: [{ name: 'THRESHOLD', type: 'number', default: 90 }],
      },
    ],
  };
}

/** Parses `doc` after `edit`, expecting INVALID_INPUT mentioning `path: …message`. */
function rejects(edit: (doc: Record<string, any>) => void, path: string, message: RegExp): void {
  const doc: Record<string, any> = minimal();
  edit(doc);
  assert.throws(
    () => parseCodebundleYaml(stringify(doc)),
    (error: CodebundleInvalidError) => {
      assert.equal(error.code, 'INVALID_INPUT');
      const issue = error.issues.find((i) => i.path === path);
      assert.ok(issue, `no issue at ${path}: ${JSON.stringify(error.issues)}`);
      assert.match(issue.message, message);
      assert.match(error.message, new RegExp(path.replace(/[[\].]/g, '\\$&')));
      return true;
    },
  );
}

void test('a minimal bundle parses with defaults filled in', () => {
  const bundle = parseCodebundleYaml(stringify(minimal()));
  const task = bundle.tasks[0]!;
  assert.equal(bundle.name, 'disk-check');
  assert.equal(task.timeoutSeconds, 180);
  assert.deepEqual(task.resources, { cpu: 1, memoryMiB: 512, pids: 128 });
  assert.equal(task.network, 'none');
  assert.deepEqual(task.secrets, []);
  assert.equal(task.config[0]!.required, false);
});

void test('every field error names its path', () => {
  rejects((d) => (d.apiVersion = 'v2'), 'apiVersion', /airgap-runner\.io\/v1/);
  rejects((d) => (d.name = 'Disk_Check'), 'name', /lower-case/);
  rejects((d) => (d.version = '1.2'), 'version', /semantic version/);
  rejects((d) => delete d.description, 'description', /is required/);
  rejects((d) => (d.maintainer = 'a\nb'), 'maintainer', /one line/);
  rejects((d) => (d.tasks = []), 'tasks', /at least one task/);
  rejects((d) => (d.tasks[0].id = '-x'), 'tasks[0].id', /lower-case/);
  rejects((d) => (d.tasks[0].title = ''), 'tasks[0].title', /empty/);
  rejects((d) => (d.tasks[0].tags = ['access:read-only', 'bad tag']), 'tasks[0].tags[1]', /access:read-only/);
  rejects((d) => (d.tasks[0].access = 'admin'), 'tasks[0].access', /expected one of read-only, read-write/);
  rejects((d) => (d.tasks[0].command = ['sh', '-c']), 'tasks[0].command', /absolute path/);
  rejects((d) => (d.tasks[0].command = 'sh -c x'), 'tasks[0].command', /list of strings/);
  rejects((d) => (d.tasks[0].timeoutSeconds = 0), 'tasks[0].timeoutSeconds', /at least 1/);
  rejects((d) => (d.tasks[0].resources = { memoryMiB: 1.5 }), 'tasks[0].resources.memoryMiB', /whole number/);
  rejects((d) => (d.tasks[0].network = 'host'), 'tasks[0].network', /never host/);
  rejects((d) => (d.tasks[0].secrets = [{ name: '../etc' }]), 'tasks[0].secrets[0].name', /file name/);
});

void test('config variables: type, default, pattern, enum and names are checked', () => {
  rejects((d) => (d.tasks[0].config[0].type = 'float'), 'tasks[0].config[0].type', /expected one of string, number, boolean, enum, file/);
  rejects((d) => (d.tasks[0].config[0].default = 'ninety'), 'tasks[0].config[0].default', /must be a number/);
  rejects((d) => (d.tasks[0].config[0].name = 'threshold'), 'tasks[0].config[0].name', /environment name/);
  rejects((d) => (d.tasks[0].config[0].name = 'AIRGAP_OUTPUT_DIR'), 'tasks[0].config[0].name', /reserved/);
  rejects((d) => (d.tasks[0].config[0].name = 'LD_PRELOAD'), 'tasks[0].config[0].name', /reserved/);
  rejects(
    (d) => (d.tasks[0].config[0] = { name: 'F', type: 'file', default: '/etc/passwd' }),
    'tasks[0].config[0].default',
    /picks the file/,
  );
  rejects((d) => (d.tasks[0].config[0] = { name: 'E', type: 'enum' }), 'tasks[0].config[0].enum', /required when type is enum/);
  rejects(
    (d) => (d.tasks[0].config[0] = { name: 'E', type: 'enum', enum: ['a'], default: 'b' }),
    'tasks[0].config[0].default',
    /enum values/,
  );
  rejects((d) => (d.tasks[0].config[0] = { name: 'S', type: 'string', pattern: '[' }), 'tasks[0].config[0].pattern', /regular expression/);
  rejects(
    (d) => (d.tasks[0].config[0] = { name: 'S', type: 'string', pattern: '[a-z]+', default: 'A1' }),
    'tasks[0].config[0].default',
    /pattern/,
  );
  rejects(
    (d) => (d.tasks[0].config[0] = { name: 'N', type: 'number', pattern: '1' }),
    'tasks[0].config[0].pattern',
    /only allowed when type is string/,
  );
  rejects((d) => d.tasks[0].config.push({ name: 'THRESHOLD', type: 'string' }), 'tasks[0].config[1].name', /used twice/);
});

void test('unknown fields are refused by path', () => {
  rejects((d) => (d.image = 'x'), 'image', /unknown field/);
  rejects((d) => (d.tasks[0].privileged = true), 'tasks[0].privileged', /unknown field/);
  rejects((d) => (d.tasks[0].config[0].secret = true), 'tasks[0].config[0].secret', /unknown field/);
});

void test('access must agree with the access:* tag', () => {
  rejects((d) => (d.tasks[0].tags = ['data:metrics']), 'tasks[0].tags', /must include "access:read-only"/);
  rejects((d) => (d.tasks[0].tags = ['access:read-write']), 'tasks[0].tags[0]', /disagrees with access: read-only/);
  const doc: Record<string, any> = minimal();
  doc.tasks[0].tags = ['ACCESS:Read-Only'];
  assert.doesNotThrow(() => parseCodebundleYaml(stringify(doc)));
});

void test('duplicate task ids are refused', () => {
  rejects((d) => d.tasks.push({ ...d.tasks[0] }), 'tasks[1].id', /used twice/);
});

void test('oversized input is refused before parsing', () => {
  const text = stringify(minimal()) + `# ${'x'.repeat(70 * 1024)}\n`;
  assert.throws(() => parseCodebundleYaml(text), /more than the 65536 allowed/);
  assert.throws(() => parseCodebundleYaml(stringify(minimal()), { maxBytes: 100 }), { code: 'INVALID_INPUT' });
});

void test('a YAML alias bomb is refused', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++)
    lines.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  const started = Date.now();
  assert.throws(() => parseCodebundleYaml(lines.join('\n')), /aliases/);
  assert.ok(Date.now() - started < 2000);
});

void test('duplicate keys, invalid YAML and invalid UTF-8 are refused', () => {
  assert.throws(() => parseCodebundleYaml('name: a\nname: b\n'), /line 2, column 1: a key appears twice/);
  assert.throws(() => parseCodebundleYaml('tasks: [\n'), /YAML error/);
  assert.throws(() => parseCodebundleYaml(Buffer.from([0x6e, 0x3a, 0x20, 0xff, 0xfe])), /UTF-8/);
  assert.throws(() => parseCodebundleYaml('just text'), /expected object|invalid/);
});
