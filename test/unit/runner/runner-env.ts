/** A signed-in core with operators, a fake engine and an in-memory bundle port, for runner unit tests. */
import { rmSync } from 'node:fs';
import { ApiError } from '../../../src/kernel';
import { secretRoot } from '../../../src/vault/mount';
import { codebundleSchema, type Codebundle } from '../../../src/bundles/schema';
import { evaluateTask, type TagPolicy } from '../../../src/bundles/policy';
import type { BundlePort, RunnableBundle } from '../../../src/runner';
import { addUser, as, initialisedCore, type TestCoreOptions } from '../../helpers/core';
import { FakeEngine, type Behaviour } from './fake-engine';
import type { ContainerSpec } from '../../../src/engine/types';

export const IMAGE = `sha256:${'b'.repeat(64)}`;

export const codebundle: Codebundle = codebundleSchema.parse({
  apiVersion: 'airgap-runner.io/v1',
  name: 'svc',
  version: '1.0.0',
  description: 'test',
  maintainer: 'tests',
  tasks: [
    {
      id: 'check',
      title: 'Check',
      tags: ['access:read-only'],
      access: 'read-only',
      command: ['/bin/sh', '-c', 'check'],
      timeoutSeconds: 30,
    },
    { id: 'hang', title: 'Hang', tags: ['access:read-only'], access: 'read-only', command: ['/bin/sh', '-c', 'hang'], timeoutSeconds: 1 },
    {
      id: 'restart',
      title: 'Restart',
      tags: ['access:read-write'],
      access: 'read-write',
      command: ['/bin/sh', '-c', 'restart'],
      config: [{ name: 'SERVICE_NAME', type: 'string', required: true, pattern: '[a-z.]+' }],
      secrets: [{ name: 'token' }],
    },
    {
      id: 'netty',
      title: 'Network',
      tags: ['access:read-only'],
      access: 'read-only',
      command: ['/bin/sh', '-c', 'net'],
      network: 'lab-net',
    },
    { id: 'logs', title: 'Logs', tags: ['access:read-only', 'data:logs-bulk'], access: 'read-only', command: ['/bin/sh', '-c', 'logs'] },
  ],
});

export class FakeBundles implements BundlePort {
  policy: TagPolicy = { allow: [], deny: ['access:read-write'] };
  revoked = new Set<string>();
  readonly bundle: RunnableBundle = { name: 'svc', version: '1.0.0', digest: `sha256:${'d'.repeat(64)}`, imageId: IMAGE, codebundle };

  resolve(_db: unknown, ref: string): RunnableBundle {
    if (ref !== 'svc' && ref !== 'svc@1.0.0') throw new ApiError('NOT_FOUND', 'no bundle');
    return this.bundle;
  }

  admit(_db: unknown, bundle: RunnableBundle, task: { tags: string[]; access: 'read-only' | 'read-write' }) {
    if (this.revoked.has(bundle.digest)) return { allowed: false as const, reason: `the digest ${bundle.digest} was revoked` };
    const d = evaluateTask(task, this.policy);
    return d.allowed ? { allowed: true as const } : { allowed: false as const, reason: d.reason };
  }
}

export async function runnerEnv(behave: (spec: ContainerSpec) => Behaviour = () => ({ exitCode: 0 }), core: TestCoreOptions = {}) {
  const engine = new FakeEngine(behave);
  engine.addImage(IMAGE);
  const bundles = new FakeBundles();
  const env = await initialisedCore({ core: { engine, bundles, pollMs: 20, ...core } });
  const op1 = await addUser(env.core, env.admin, 'op1', ['operator']);
  const op2 = await addUser(env.core, env.admin, 'op2', ['operator']);
  const viewer = await addUser(env.core, env.admin, 'view1', ['viewer']);
  return {
    ...env,
    engine,
    bundles,
    op1: as(env.core, op1.session),
    op2: as(env.core, op2.session),
    viewer: as(env.core, viewer.session),
    adminCall: as(env.core, env.admin),
    sessions: { op1: op1.session, op2: op2.session },
    done: async () => {
      await env.core.stopRunner('the test ended');
      rmSync(secretRoot({ workstationId: env.core.store.workstationId, home: env.home, allowDisk: false }).dir, {
        recursive: true,
        force: true,
      });
      await env.cleanup();
    },
  };
}
