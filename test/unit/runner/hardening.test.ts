/** The container spec holds every hardening setting of ARCHITECTURE.md, whatever the task asks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { taskSchema } from '../../../src/bundles/schema';
import { buildSandbox, taskUser, LABELS } from '../../../src/runner/hardening';

const task = taskSchema.parse({
  id: 'restart',
  title: 'Restart',
  tags: ['access:read-write'],
  access: 'read-write',
  command: ['/bin/sh', '/codebundle/x.sh', 'restart'],
  resources: { cpu: 0.25, memoryMiB: 64, pids: 32 },
  secrets: [{ name: 'token' }],
});

const engine = {
  name: 'Docker' as const,
  version: '20.10',
  apiVersion: '1.41',
  rootless: false,
  os: 'linux',
  arch: 'amd64',
  socket: 'unix:///x.sock',
};

function build(imageUser = '', reason: string | null = 'because') {
  return buildSandbox({
    runId: 'r-abcdefghij',
    instanceId: 'inst-1',
    epoch: 3,
    workstationId: 'ws-1',
    bundle: { name: 'svc', version: '1.0.0' },
    task,
    imageId: `sha256:${'a'.repeat(64)}`,
    imageUser,
    engine,
    network: { engineNetwork: 'none', kind: 'none', requested: 'none' },
    timeoutSeconds: 60,
    deadline: new Date('2026-01-01T00:01:00Z'),
    configEnv: { SERVICE_NAME: 'nginx' },
    reason,
    outputDir: '/work/out',
    secretsDir: '/dev/shm/s/r-abcdefghij',
    secretsOn: 'tmpfs',
    files: [{ name: 'F', hostPath: '/data/f.log', containerPath: '/airgap/files/F' }],
    containerName: 'airgap-r-abcdefghij',
  });
}

test('every hardening field is set', () => {
  const { spec, record } = build();
  assert.equal(spec.image, `sha256:${'a'.repeat(64)}`);
  assert.deepEqual(spec.command, ['/bin/sh', '/codebundle/x.sh', 'restart']);
  assert.equal(spec.network, 'none');
  assert.equal(spec.readOnlyRootfs, true);
  assert.deepEqual(spec.capDrop, ['ALL']);
  assert.deepEqual(spec.securityOpt, ['no-new-privileges:true']);
  assert.equal(spec.user, '65534:65534');
  assert.equal(spec.logDriver, 'none');
  assert.match(spec.tmpfs['/tmp']!, /noexec/);
  assert.deepEqual(spec.limits, { memoryBytes: 64 * 1024 * 1024, nanoCpus: 250_000_000, pids: 32, nofile: 1024, nproc: 512 });
  assert.deepEqual(spec.labels, {
    [LABELS.runId]: 'r-abcdefghij',
    [LABELS.instanceId]: 'inst-1',
    [LABELS.epoch]: '3',
    [LABELS.deadline]: '2026-01-01T00:01:00.000Z',
    [LABELS.workstation]: 'ws-1',
    [LABELS.bundle]: 'svc@1.0.0',
  });
  assert.deepEqual(spec.mounts, [
    { source: '/work/out', target: '/airgap/output', readOnly: false },
    { source: '/dev/shm/s/r-abcdefghij', target: '/airgap/secrets', readOnly: true },
    { source: '/data/f.log', target: '/airgap/files/F', readOnly: true },
  ]);
  assert.equal(record.secrets, 'tmpfs');
  assert.equal(record.limits.timeoutSeconds, 60);
});

test('environment: config, the contract variables, the reason for read-write tasks; never a secret value', () => {
  const { spec } = build();
  assert.equal(spec.env.SERVICE_NAME, 'nginx');
  assert.equal(spec.env.AIRGAP_OUTPUT_DIR, '/airgap/output');
  assert.equal(spec.env.AIRGAP_SECRETS_DIR, '/airgap/secrets');
  assert.equal(spec.env.AIRGAP_RUN_ID, 'r-abcdefghij');
  assert.equal(spec.env.AIRGAP_RUN_REASON, 'because');
  assert.equal(spec.env.AIRGAP_TASK_NAME, 'Restart');
});

test("the image's user only when numeric and non-root, always with the fixed unprivileged group", () => {
  assert.equal(taskUser(''), '65534:65534');
  assert.equal(taskUser('root'), '65534:65534');
  assert.equal(taskUser('0'), '65534:65534');
  assert.equal(taskUser('1000:0'), '65534:65534');
  assert.equal(taskUser('nobody'), '65534:65534');
  assert.equal(taskUser('1000'), '1000:65534');
  assert.equal(taskUser('1000:2000'), '1000:65534');
  assert.equal(taskUser('1000:42'), '1000:65534', 'an image cannot pick a privileged group (shadow)');
  assert.equal(taskUser('1000:00'), '65534:65534');
  assert.equal(build('1234:1234').spec.user, '1234:65534');
});
