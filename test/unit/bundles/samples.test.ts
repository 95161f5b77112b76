/**
 * The sample bundles parse against the schema, and their busybox scripts honour the output
 * contract (run with the host's busybox when there is one).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TAG_POLICY, evaluateTask, parseCodebundleYaml, parseIssueLine, parseReportLine } from '../../../src/bundles/index';

const samples = fileURLToPath(new URL('../../../samples/bundles/', import.meta.url));
const names = readdirSync(samples, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
const hasBusybox = spawnSync('busybox', ['true']).status === 0;

void test('there are at least three sample bundles and each codebundle.yaml is valid', () => {
  assert.ok(names.length >= 3);
  for (const name of names) {
    const bundle = parseCodebundleYaml(readFileSync(join(samples, name, 'codebundle.yaml')));
    assert.equal(bundle.name, name);
    for (const task of bundle.tasks) {
      const script = task.command[1]!;
      assert.match(script, /^\/codebundle\//);
      assert.ok(readdirSync(join(samples, name)).includes(script.slice('/codebundle/'.length)), `${name}: ${script} exists`);
    }
  }
});

void test('with the default policy, only the restart task is denied', () => {
  const denied = names.flatMap((name) =>
    parseCodebundleYaml(readFileSync(join(samples, name, 'codebundle.yaml')))
      .tasks.filter((task) => !evaluateTask(task, DEFAULT_TAG_POLICY).allowed)
      .map((task) => `${name}/${task.id}`),
  );
  assert.deepEqual(denied, ['service-restart/restart-service']);
});

function run(bundle: string, script: string, args: string[], env: Record<string, string>) {
  const out = mkdtempSync(join(tmpdir(), 'airgap-sample-'));
  try {
    const result = spawnSync('busybox', ['sh', join(samples, bundle, script), ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AIRGAP_OUTPUT_DIR: out, AIRGAP_TASK_NAME: `${bundle} task`, ...env },
      encoding: 'utf8',
    });
    const read = (file: string) => {
      try {
        return readFileSync(join(out, file), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    };
    return {
      status: result.status,
      issues: read('issues.jsonl').map(parseIssueLine),
      report: read('report.jsonl').map(parseReportLine),
      stderr: result.stderr,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const skip = hasBusybox ? false : 'busybox is not installed on this machine';

void test('host-health writes a report, and issues past its thresholds', { skip }, () => {
  const disk = run('host-health', 'check-disk.sh', [], { DISK_USAGE_THRESHOLD_PERCENT: '0', DISK_PATHS: '/' });
  assert.equal(disk.status, 0, disk.stderr);
  assert.equal(disk.report[0]?.fmt, 'pre');
  assert.match(disk.issues[0]?.title ?? '', /Filesystem `\/` is \d+% full/);
  const memory = run('host-health', 'check-memory.sh', [], { MEMORY_AVAILABLE_MIN_PERCENT: '101', LOAD_PER_CPU_MAX: '1000' });
  assert.equal(memory.status, 0, memory.stderr);
  assert.equal(memory.report[0]?.fmt, 'table');
  assert.equal(memory.issues.length, 1);
  assert.equal(memory.issues[0]?.taskName, 'host-health task');
  assert.match(memory.issues[0]?.observedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

void test('log-scan finds the pattern in the picked file, escaping what it quotes', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'airgap-log-'));
  try {
    const log = join(dir, 'app.log');
    writeFileSync(log, 'ok\nERROR "disk" \\ failed\t!\nfine\n');
    const result = run('log-scan', 'scan-log.sh', [], { LOG_FILE: log, SEVERITY: '2' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.issues[0]?.severity, 2);
    assert.equal(result.issues[0]?.details, '2:ERROR "disk" \\ failed\t!');
    assert.equal(result.report[1]?.obj, '2:ERROR "disk" \\ failed\t!');
    const none = run('log-scan', 'scan-log.sh', [], { LOG_FILE: log, PATTERN: 'nothing-like-this' });
    assert.equal(none.issues.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('service-restart refuses without a reason and only simulates with one', { skip }, () => {
  const refused = run('service-restart', 'service.sh', ['restart'], { SERVICE_NAME: 'nginx.service' });
  assert.equal(refused.status, 2);
  assert.match(refused.issues[0]?.title ?? '', /no reason/);
  const done = run('service-restart', 'service.sh', ['restart'], { SERVICE_NAME: 'nginx.service', AIRGAP_RUN_REASON: 'ticket 7' });
  assert.equal(done.status, 0, done.stderr);
  assert.equal(done.issues[0]?.severity, 4);
  assert.match(done.report[0]?.obj ?? '', /SIMULATED/);
  const bad = run('service-restart', 'service.sh', ['status'], { SERVICE_NAME: 'x;reboot' });
  assert.match(bad.issues[0]?.title ?? '', /invalid/);
});
