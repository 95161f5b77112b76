/**
 * The runner on the real Docker engine with the sample bundles and the fixture bundle: success with
 * issues and report, a failing exit code, a timeout, a cancel, a task asking for a network it may not
 * have (then on an admin-defined internal network), refusals at run time (denied tag, revoked digest),
 * a read-write run waiting for and receiving approval, and a symlinked issues.jsonl refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from '../../../src/runner';
import { rejects } from '../../helpers/core';
import { dockerSkip, fixtureBundleDir, mirrorOf, rawDocker, runnerCore, SAMPLES, unique, until, type RunnerCore } from './fixture';

const skip = dockerSkip();
const FIXTURE = unique('rt');
const NETWORK = unique('rtnet');
let c: RunnerCore;
let mirror: { source: string; refs: Map<string, string> };

before(async () => {
  if (skip) return;
  mirror = await mirrorOf([
    join(SAMPLES, 'host-health'),
    join(SAMPLES, 'service-restart'),
    join(SAMPLES, 'log-scan'),
    fixtureBundleDir(FIXTURE, NETWORK),
  ]);
  c = await runnerCore();
  await c.importAll(mirror.source, mirror.refs.values());
});

after(async () => {
  if (!skip) await c.cleanup();
});

async function ourContainers(): Promise<number> {
  return (await c.engine.listContainers({ label: `${LABELS.workstation}=${c.env.core.store.workstationId}` })).length;
}

describe('runs on the real engine', { skip }, () => {
  test('host-health: succeeded, with issues and report, the sandbox recorded', async () => {
    const run = await c.run({ bundle: 'host-health', task: 'check-disk-usage', values: { DISK_USAGE_THRESHOLD_PERCENT: '0' } });
    assert.equal(run.outcome, 'succeeded', run.error ?? '');
    assert.equal(run.exitCode, 0);
    assert.ok(run.issueList.length >= 1, 'threshold 0: the root filesystem is reported');
    assert.match(run.issueList[0]!.title, /Filesystem `\/` is \d+% full/);
    assert.ok(run.report.length >= 1);
    assert.equal(run.sandbox?.engine, 'Docker');
    assert.match(run.sandbox?.engineVersion ?? '', /^20\.10/);
    assert.equal(run.sandbox?.rootless, false);
    assert.equal(run.sandbox?.network, 'none');
    assert.equal(run.sandbox?.user, '65534:65534');
    assert.equal(run.sandbox?.imageId, run.imageId);
    assert.equal(run.config.values.DISK_USAGE_THRESHOLD_PERCENT, '0');
    assert.equal(await ourContainers(), 0);
  });

  test('a variable marked sensitive is masked in the log and never shown back; the others are', async () => {
    const run = await c.run({ bundle: FIXTURE, task: 'sensitive', values: { API_TOKEN: 'tok-9d8c7b6a5f4e', REGION: 'eu-south-hall7' } });
    assert.equal(run.outcome, 'succeeded', run.error ?? '');
    const log = (await c.op1('runs.logs', { id: run.id })).lines.map((l) => l.text).join('\n');
    assert.match(log, /token is \[MASKED\]/);
    assert.match(log, /region is eu-south-hall7/);
    assert.ok(!log.includes('tok-9d8c7b6a5f4e'), log);
    assert.equal(run.config.values.API_TOKEN, '[MASKED]');
    assert.equal(run.config.values.REGION, 'eu-south-hall7');
  });

  test('log-scan: a file variable is mounted read-only at /airgap/files/NAME', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'runner-log-')), 'app.log');
    writeFileSync(log, 'ok\nERROR disk failure\nok\npanic: oom\n');
    const run = await c.run({ bundle: 'log-scan', task: 'scan-log-file', files: { LOG_FILE: log }, values: { SEVERITY: '2' } });
    assert.equal(run.outcome, 'succeeded', run.error ?? '');
    assert.equal(run.issueList[0]?.severity, 2);
    assert.deepEqual(run.config.files, { LOG_FILE: log });
  });

  test('a failing task: failed with its exit code, stderr kept', async () => {
    const run = await c.run({ bundle: FIXTURE, task: 'fail' });
    assert.equal(run.outcome, 'failed');
    assert.equal(run.exitCode, 3);
    const logs = await c.op1('runs.logs', { id: run.id });
    assert.deepEqual(
      logs.lines.map((l) => [l.stream, l.text]),
      [['stderr', 'about to fail']],
    );
  });

  test('timeout: killed at the task timeout, timed-out, container gone', async () => {
    const started = Date.now();
    const run = await c.run({ bundle: FIXTURE, task: 'sleeper' });
    assert.equal(run.outcome, 'timed-out');
    const took = Date.now() - started;
    assert.ok(took >= 2000 && took < 15_000, `took ${took} ms`);
    const text = (await c.op1('runs.logs', { id: run.id })).lines.map((l) => l.text);
    assert.deepEqual(text, ['started', '[timed out after 2 s: the container was killed]']);
    assert.equal(await ourContainers(), 0);
  });

  test('cancel: the container is killed, the run cancelled', async () => {
    const { id } = await c.op1('runs.start', { bundle: FIXTURE, task: 'hold' });
    await until(async () => (await c.op1('runs.show', { id })).state === 'running', 20_000, 'running');
    await until(async () => (await c.op1('runs.logs', { id })).lines.length > 0, 20_000, 'output');
    assert.equal((await c.op1('runs.cancel', { id })).result, 'cancelled');
    await c.env.core.runner.current()!.waitFor(id);
    const run = await c.op1('runs.show', { id });
    assert.equal(run.outcome, 'cancelled');
    assert.equal(await ourContainers(), 0);
  });

  test('a network the task may not have is refused; on an admin-defined internal network it is attached', async () => {
    await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'net' }), 'POLICY_DENIED');
    await c.engine.createNetwork({ name: NETWORK, internal: true, labels: { 'io.airgap-runner.test': 'runner' } });
    c.networks.push(NETWORK);
    await c.admin('networks.add', { name: NETWORK });
    const { id } = await c.op1('runs.start', { bundle: FIXTURE, task: 'net' });
    await until(async () => (await c.op1('runs.show', { id })).state === 'running', 20_000, 'running');
    const [summary] = await c.engine.listContainers({ label: `${LABELS.runId}=${id}` });
    const info = await rawDocker().getContainer(summary!.id).inspect();
    assert.equal(info.HostConfig.NetworkMode, NETWORK);
    assert.deepEqual(Object.keys(info.NetworkSettings.Networks), [NETWORK]);
    const net = await rawDocker().getNetwork(NETWORK).inspect();
    assert.equal(net.Internal, true);
    await c.op1('runs.cancel', { id });
    await c.env.core.runner.current()!.waitFor(id);
    assert.equal((await c.op1('runs.show', { id })).sandbox?.network, NETWORK);
  });

  test('a symlinked issues.jsonl pointing at a host file is refused without reading it', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'runner-host-')), 'host-file.jsonl');
    writeFileSync(target, '{"severity":1,"title":"HOST-FILE-CONTENT-d41d8"}\n');
    const run = await c.run({ bundle: FIXTURE, task: 'symlink', values: { TARGET: target } });
    assert.equal(run.outcome, 'succeeded');
    assert.deepEqual(run.issueList, []);
    assert.match(run.warnings.join('\n'), /issues\.jsonl is a symbolic link; it was not followed or read/);
    assert.ok(!JSON.stringify(run).includes('HOST-FILE-CONTENT'));
  });

  test('a read-write run waits for approval and runs when another operator approves', async () => {
    await c.admin('policy.allow', { tags: ['access:read-write'] });
    await c.admin('settings.set', { key: 'runner.requireApproval', value: true });
    await c.op1('vault.add', { name: 'service-token', value: Buffer.from('svc-token-4b1d').toString('base64') });
    await c.op1('vault.bind', { name: 'service-token', bundles: ['service-restart'] });
    const { id, state } = await c.op1('runs.start', {
      bundle: 'service-restart',
      task: 'restart-service',
      values: { SERVICE_NAME: 'nginx.service' },
      reason: 'workers stuck after the 02:00 deploy',
    });
    assert.equal(state, 'awaiting-approval');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await c.op1('runs.show', { id })).state, 'awaiting-approval');
    assert.equal(await ourContainers(), 0, 'nothing was created while waiting');
    await rejects(c.op1('runs.approve', { id }), 'FORBIDDEN');
    await c.op2('runs.approve', { id });
    await c.env.core.runner.current()!.waitFor(id);
    const run = await c.op1('runs.show', { id });
    assert.equal(run.outcome, 'succeeded', run.error ?? '');
    assert.equal(run.approvedBy, 'op2');
    assert.deepEqual(run.config.secrets, { 'service-token': 'service-token' });
    assert.match(JSON.stringify(run.report), /workers stuck after the 02:00 deploy/);
    assert.match(JSON.stringify(run.report), /delivered as a file \(14 bytes\)/);
    await c.admin('settings.set', { key: 'runner.requireApproval', value: false });
  });

  test('refused at run time: a denied tag, then a revoked digest', async () => {
    assert.equal((await c.run({ bundle: FIXTURE, task: 'bulk' })).outcome, 'succeeded');
    await c.admin('policy.deny', { tags: ['data:logs-bulk'] });
    assert.match(await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'bulk' }), 'POLICY_DENIED'), /data:logs-bulk/);
    const digest = (await c.op1('runs.show', { id: (await c.run({ bundle: FIXTURE, task: 'quick' })).id })).bundle.digest;
    await c.admin('bundles.revoke', { digest, reason: 'integration test: pulled by the publisher' });
    assert.match(await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'quick' }), 'POLICY_DENIED'), /revoked/);
  });
});
