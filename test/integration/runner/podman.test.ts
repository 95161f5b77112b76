/** Podman smoke subset: one sample task imported into and run on Podman's Docker-compatible socket. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DockerodeEngine } from '../../../src/engine';
import { LABELS } from '../../../src/runner';
import { mirrorOf, runnerCore, SAMPLES, type RunnerCore } from './fixture';

const podman = process.env.AIRGAP_TEST_PODMAN_HOST;
const skip = podman ? undefined : 'SKIP: no AIRGAP_TEST_PODMAN_HOST (eval "$(test/services.sh start --podman)")';
let c: RunnerCore;

before(async () => {
  if (skip) return;
  const mirror = await mirrorOf([join(SAMPLES, 'host-health')]);
  c = await runnerCore(DockerodeEngine.fromEnv({ DOCKER_HOST: podman }));
  await c.importAll(mirror.source, mirror.refs.values());
});

after(async () => {
  if (!skip) await c.cleanup();
});

describe('runner on Podman', { skip }, () => {
  test('host-health check-disk-usage succeeds with issues and report, hardened, nothing left behind', async () => {
    const run = await c.run({ bundle: 'host-health', task: 'check-disk-usage', values: { DISK_USAGE_THRESHOLD_PERCENT: '0' } });
    assert.equal(run.outcome, 'succeeded', run.error ?? '');
    assert.equal(run.exitCode, 0);
    assert.ok(run.issueList.length >= 1);
    assert.ok(run.report.length >= 1);
    assert.equal(run.sandbox?.engine, 'Podman');
    assert.equal(run.sandbox?.network, 'none');
    assert.equal(run.sandbox?.user, '65534:65534');
    assert.deepEqual(await c.engine.listContainers({ label: `${LABELS.workstation}=${c.env.core.store.workstationId}` }), []);
  });
});
