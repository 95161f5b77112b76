/**
 * The holder (src/nodes/holder.ts) on a real dockerd, on a node where other processes already run
 * as nobody (uid 65534): tasks run as nobody, so a node with a few runs in flight has several. The
 * holder's limits must not count them: RLIMIT_NPROC counts every process of the user on the host,
 * and a holder capped at 4 failed to start (runc: "cannot start a stopped process", or exit 1) as
 * soon as four other nobody processes ran. CI hit this once a busy node took a scheduled run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerodeEngine, type ContainerEngine } from '../../../src/engine';
import { NodeRunSpace, ensureHolder, holderSpec } from '../../../src/nodes';
import { readTar } from '../../../src/oci';
import { dockerSkip, unique } from '../runner/fixture';

const skip = dockerSkip();
const CROWD = 6;
const LABEL = 'io.airgap-runner.test-crowd';

describe('the holder on a node with other nobody processes', { skip }, () => {
  let engine: ContainerEngine;
  let image: string;
  const crowd: string[] = [];
  const tag = unique('crowd');

  before(async () => {
    engine = DockerodeEngine.fromEnv({ DOCKER_HOST: process.env.DOCKER_HOST });
    image = await ensureHolder(engine, 'amd64');
    for (let i = 0; i < CROWD; i++) {
      const id = await engine.createContainer(holderSpec({ name: `${tag}-${i}`, image, labels: { [LABEL]: tag }, volumes: [] }));
      crowd.push(id);
      await engine.start(id);
    }
  });

  after(async () => {
    for (const id of crowd) await engine.remove(id, { force: true }).catch(() => undefined);
  });

  test('a run space starts its holder and keeps the secret it was given, five times over', async () => {
    for (const id of crowd) assert.equal((await engine.inspectContainer(id))?.running, true, 'the crowd runs as nobody');
    for (let i = 0; i < 5; i++) {
      const runId = unique('holder');
      const secret = Buffer.from(`value-${i}`);
      const space = await NodeRunSpace.prepare(engine, {
        runId,
        workstationId: 'test',
        arch: 'amd64',
        sizeLimits: true,
        user: '65534:65534',
        secrets: new Map([['TOKEN', secret]]),
        files: new Map(),
        memoryBytes: 16 * 1024 * 1024,
      });
      try {
        const holder = await engine.inspectContainer(`airgap-${runId}-holder`);
        assert.equal(holder?.running, true, `the holder runs (status ${holder?.status}, exit ${holder?.exitCode})`);
        const read = new Map<string, string>();
        for await (const entry of readTar(await engine.getArchive(holder.id, '/h/secrets'), {
          maxTotalSize: 1024 * 1024,
          maxEntries: 10,
        })) {
          if (entry.type !== 'file') continue;
          const parts: Buffer[] = [];
          for await (const chunk of entry.body()) parts.push(chunk);
          read.set(entry.path.replace(/^secrets\//, ''), Buffer.concat(parts).toString());
        }
        assert.equal(read.get('TOKEN'), `value-${i}`, 'the secret is in the holder-kept volume');
      } finally {
        assert.deepEqual(await space.destroy(), []);
      }
      assert.equal(await engine.inspectContainer(`airgap-${runId}-holder`), null, 'the holder is gone');
    }
  });
});
