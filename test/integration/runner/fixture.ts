/**
 * Runner integration tests on the real engine: a signed OCI-layout mirror holding the sample bundles
 * and a test-fixture bundle (a failing task, a sleeper, a 200 MB printer, a symlink trick, a canary
 * reader, a task on a named network, …), built FROM scratch with the sample tooling, signed with the
 * sample key and imported with the real pipeline. Every store is private; containers carry its
 * workstation label; images are removed by the catalog's own tag (never by id: the sample images are
 * shared with other tests on the same engine).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { dispatch } from '../../../src/api/dispatcher';
import type { OpName, OpOutput } from '../../../src/api/contract';
import { DockerodeEngine, type ContainerEngine } from '../../../src/engine';
import { writeOciLayout } from '../../../src/oci';
import { LABELS } from '../../../src/runner';
import { secretRoot } from '../../../src/vault/mount';
import { buildSampleImage } from '../../../samples/tools/build-image';
import { layoutEntries, signSample } from '../../../samples/tools/build-mirror';
import { addUser, initialisedCore } from '../../helpers/core';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const SAMPLES = join(root, 'samples', 'bundles');
const KEY = readFileSync(join(root, 'samples', 'keys', 'cosign.key'));
const PUB = readFileSync(join(root, 'samples', 'keys', 'cosign.pub'), 'utf8');

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function dockerSkip(): string | undefined {
  return process.env.DOCKER_HOST ? undefined : 'SKIP: no DOCKER_HOST (eval "$(test/services.sh start --podman)")';
}

/** Raw dockerode, for what the tests check behind the port's back (inspect details, data root). */
export function rawDocker(host = process.env.DOCKER_HOST!): Docker {
  return new Docker({ socketPath: host.replace(/^unix:\/\//, '') });
}

const TASK = (id: string, body: string, extra = '') =>
  `  - id: ${id}\n    title: Fixture ${id}\n    tags: [access:read-only]\n    access: read-only\n    command: [/bin/sh, -c, '${body}']\n    resources: { cpu: 0.5, memoryMiB: 64, pids: 32 }\n${extra}`;

/** The source folder of the fixture bundle (its name and its network name unique per call). */
export function fixtureBundleDir(name: string, network: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'runner-fixture-')), name);
  mkdirSync(dir);
  copyFileSync(join(SAMPLES, 'host-health', 'results.sh'), join(dir, 'results.sh'));
  writeFileSync(
    join(dir, 'print.sh'),
    '#!/bin/sh\n/bin/busybox yes "0123456789 the quick brown fox jumps over the lazy dog 0123456789" | /bin/busybox head -c "$BYTES"\n',
  );
  writeFileSync(
    join(dir, 'canary.sh'),
    [
      '#!/bin/sh',
      'set -u',
      '. "$(dirname "$0")/results.sh"',
      'secret=$(cat "$AIRGAP_SECRETS_DIR/canary")',
      'echo "id: $(id)"',
      'grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp)" /proc/self/status',
      'echo "sha256: $(sha256sum "$AIRGAP_SECRETS_DIR/canary" | cut -d" " -f1)"',
      'echo "the secret is $secret"',
      'echo "and to stderr: $secret" >&2',
      'ls -ln "$AIRGAP_SECRETS_DIR" | tail -n 1',
      'touch /should-fail 2>/dev/null && echo "rootfs: writable" || echo "rootfs: read-only"',
      'echo x > /tmp/x && echo "tmp: writable"',
      'if [ -n "${LOG:-}" ]; then echo "file: $(head -n 1 "$LOG")"; (echo y >> "$LOG") 2>/dev/null && echo "file: writable" || echo "file: read-only"; fi',
      'add_issue 4 "Secret delivered: $secret" "" "" "" ""',
      'sleep "${HOLD:-0}"',
    ].join('\n'),
  );
  const yaml = [
    'apiVersion: airgap-runner.io/v1',
    `name: ${name}`,
    'version: 1.0.0',
    'description: Runner integration-test fixture.',
    'maintainer: Tests <tests@airgap-runner.invalid>',
    'tasks:',
    TASK('quick', 'echo ok'),
    TASK('whoami', 'echo "id: $(id)"'),
    TASK('fail', 'echo about to fail >&2; exit 3'),
    TASK('sleeper', 'echo started; sleep 300', '    timeoutSeconds: 2\n'),
    TASK('hold', 'echo holding; sleep "$SECONDS_TO_HOLD"', '    config:\n      - { name: SECONDS_TO_HOLD, type: number, default: 300 }\n'),
    TASK(
      'sensitive',
      'echo "token is $API_TOKEN"; echo "region is $REGION"',
      '    config:\n      - { name: API_TOKEN, type: string, required: true, sensitive: true }\n      - { name: REGION, type: string, default: eu-north-hall2 }\n',
    ),
    TASK(
      'symlink',
      '/bin/busybox ln -s "$TARGET" "$AIRGAP_OUTPUT_DIR/issues.jsonl"; echo linked',
      '    config:\n      - { name: TARGET, type: string, required: true }\n',
    ),
    `  - id: print\n    title: Print a lot\n    tags: [access:read-only]\n    access: read-only\n    command: [/bin/sh, /codebundle/print.sh]\n    config:\n      - { name: BYTES, type: number, default: 209715200 }\n    timeoutSeconds: 600\n`,
    `  - id: canary\n    title: Read the canary\n    tags: [access:read-only]\n    access: read-only\n    command: [/bin/sh, /codebundle/canary.sh]\n    config:\n      - { name: HOLD, type: number, default: 0 }\n      - { name: LOG, type: file }\n    secrets:\n      - { name: canary }\n    resources: { cpu: 0.5, memoryMiB: 48, pids: 24 }\n    timeoutSeconds: 120\n`,
    TASK('net', 'echo on the network; sleep 300', `    network: ${network}\n`),
    `  - id: bulk\n    title: Bulk logs\n    tags: [access:read-only, data:logs-bulk]\n    access: read-only\n    command: [/bin/sh, -c, 'echo bulk']\n`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'codebundle.yaml'), yaml);
  return dir;
}

/**
 * Builds, signs and writes bundles into one OCI layout; returns `oci:DIR` and each `repo:version`.
 * A bundle given as `{ dir, user }` gets an image that declares that user.
 */
export async function mirrorOf(
  bundles: Array<string | { dir: string; user: string }>,
): Promise<{ source: string; refs: Map<string, string> }> {
  const out = mkdtempSync(join(tmpdir(), 'runner-mirror-'));
  const refs = new Map<string, string>();
  for (const bundle of bundles) {
    const sample = typeof bundle === 'string' ? await buildSampleImage(bundle) : await buildSampleImage(bundle.dir, { user: bundle.user });
    const signed = await signSample(sample, KEY, sample.repository);
    await writeOciLayout(out, layoutEntries(signed));
    refs.set(sample.name, `${sample.repository}:${sample.version}`);
  }
  return { source: `oci:${out}`, refs };
}

type Call = <N extends OpName>(name: N, input?: unknown) => Promise<OpOutput<N>>;

/** A signed-in store on the real engine, the sample key trusted, op1/op2 (operators), a viewer. */
export async function runnerCore(
  engine: ContainerEngine = DockerodeEngine.fromEnv({ DOCKER_HOST: process.env.DOCKER_HOST }),
  options: { start?: Date } = {},
) {
  // `start`: the store's (fixed) clock starts there; tests whose runs meet real clocks (SSH certificates) give now.
  const env = await initialisedCore({ core: { engine, pollMs: 100 }, ...(options.start ? { start: options.start } : {}) });
  const as =
    (session: string): Call =>
    (name, input = {}) =>
      dispatch(env.core, session, name, input);
  const admin = as(env.admin);
  await admin('trust.addKey', { pem: PUB, comment: 'sample key' });
  const first = await addUser(env.core, env.admin, 'op1', ['operator']);
  const second = await addUser(env.core, env.admin, 'op2', ['operator']);
  const op1 = as(first.session);
  const networks: string[] = [];
  return {
    env,
    engine,
    admin,
    op1,
    op2: as(second.session),
    sessions: { op1: first.session, op2: second.session, admin: env.admin },
    networks,
    async importAll(source: string, refs: Iterable<string>) {
      for (const ref of refs) await op1('bundles.import', { source, ref });
    },
    /** Starts a run (as op1 unless told) and waits until it is settled. */
    async run(input: Record<string, unknown>, who: Call = op1) {
      const { id } = await who('runs.start', input);
      await env.core.runner.waitFor(id);
      return await who('runs.show', { id });
    },
    async cleanup() {
      await env.core.stopRunner('the test ended');
      const ws = env.core.store.workstationId;
      for (const c of await engine.listContainers({ label: `${LABELS.workstation}=${ws}` }))
        await engine.remove(c.id, { force: true }).catch(() => undefined);
      const tags = env.core.store.db.prepare('SELECT engine_tag FROM bundles').all() as Array<{ engine_tag: string }>;
      for (const t of tags) await engine.removeImage(t.engine_tag).catch(() => undefined);
      for (const n of networks) await engine.removeNetwork(n).catch(() => undefined);
      rmSync(secretRoot({ workstationId: ws, home: env.home, allowDisk: false }).dir, { recursive: true, force: true });
      await env.cleanup();
    },
  };
}

export type RunnerCore = Awaited<ReturnType<typeof runnerCore>>;

/** Waits until `check` is true (polling), or fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
