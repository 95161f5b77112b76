/**
 * Shared pieces of the import tests: a real core with the sample key trusted and an operator, the
 * real engine (DOCKER_HOST) and registry (AIRGAP_TEST_REGISTRY or a private docker-registry), unique
 * CodeBundle images built FROM scratch, signed with the sample tooling, and the "nothing loaded,
 * staged or recorded" checks. Every test uses its own bundle name and removes what it loaded, by id.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dispatch } from '../../../src/api/dispatcher';
import type { OpName, OpOutput } from '../../../src/api/contract';
import { CODEBUNDLE_DEFAULT_PATH, CODEBUNDLE_LABEL } from '../../../src/bundles';
import { DockerodeEngine, type ContainerEngine } from '../../../src/engine';
import {
  buildImage,
  pushToRegistry,
  sha256Digest,
  type BuiltImage,
  type ImageFile,
  type LayerSpec,
  type OciArtifact,
} from '../../../src/oci';
import { signSample, type SignedSample } from '../../../samples/tools/build-mirror';
import { signClassic } from '../../../samples/tools/sign';
import { addUser, initialisedCore } from '../../helpers/core';
import { startRegistry, type TestRegistry } from '../mirror/registry-fixture';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const KEYS = join(root, 'samples', 'keys');
export const TRUSTED_KEY = readFileSync(join(KEYS, 'cosign.key'));
export const UNTRUSTED_KEY = readFileSync(join(KEYS, 'untrusted.key'));
export const TRUSTED_FP = '2d19b095637c1212c1fbe56b06fdff40cd856d586ad4421883876aaf7099e8e0';

export function unique(prefix = 'it'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function engineSkip(): string | undefined {
  return process.env.DOCKER_HOST ? undefined : 'SKIP: no DOCKER_HOST (start test/services.sh)';
}

export function testEngine(): DockerodeEngine {
  return DockerodeEngine.fromEnv({ DOCKER_HOST: process.env.DOCKER_HOST });
}

export async function testRegistry(): Promise<TestRegistry | { skip: string }> {
  return await startRegistry();
}

/** A codebundle.yaml with one read-only and one read-write task. */
export function codebundleYaml(name: string, version = '1.0.0', extra = ''): string {
  return [
    'apiVersion: airgap-runner.io/v1',
    `name: ${name}`,
    `version: ${version}`,
    'description: An integration-test bundle.',
    'maintainer: Tests <tests@airgap-runner.invalid>',
    'tasks:',
    '  - id: look',
    '    title: Look Around',
    '    tags: [access:read-only, data:metrics]',
    '    access: read-only',
    '    command: [/bin/sh, /codebundle/run.sh]',
    '  - id: change',
    '    title: Change Something',
    '    tags: [access:read-write, data:config]',
    '    access: read-write',
    '    command: [/bin/sh, /codebundle/run.sh, change]',
    extra,
  ].join('\n');
}

export interface BundleImageOptions {
  name?: string;
  version?: string;
  /** The whole codebundle.yaml (default: codebundleYaml(name, version)). */
  yaml?: string | Buffer;
  label?: string | null;
  layers?: LayerSpec[];
  files?: ImageFile[];
  architecture?: string;
  outDir?: string;
}

export async function bundleImage(options: BundleImageOptions = {}): Promise<{ name: string; version: string; image: BuiltImage }> {
  const name = options.name ?? unique();
  const version = options.version ?? '1.0.0';
  const image = await buildImage({
    files: [
      { path: '/codebundle/codebundle.yaml', content: options.yaml ?? codebundleYaml(name, version) },
      { path: '/codebundle/run.sh', content: 'echo hello\n', mode: 0o755 },
      ...(options.files ?? []),
    ],
    ...(options.layers ? { layers: options.layers } : {}),
    config: { user: '65534:65534', labels: options.label === null ? {} : { [CODEBUNDLE_LABEL]: options.label ?? CODEBUNDLE_DEFAULT_PATH } },
    ...(options.architecture ? { platform: { os: 'linux', architecture: options.architecture } } : {}),
    ...(options.outDir ? { outDir: options.outDir } : {}),
  });
  return { name, version, image };
}

export async function signed(
  repository: string,
  built: { name: string; version: string; image: BuiltImage },
  key: Buffer = TRUSTED_KEY,
): Promise<SignedSample> {
  return await signSample({ name: built.name, version: built.version, repository, image: built.image }, key, repository);
}

/** The classic signature artifact as the writers take it. */
export function classicArtifact(manifestDigest: string, key: Buffer, reference = 'tests/any'): { artifact: OciArtifact; tag: string } {
  const sig = signClassic({ manifestDigest, dockerReference: reference, privateKeyPem: key });
  const blobs = [...sig.blobs.entries()].map(([digest, buffer]) => {
    assert.equal(sha256Digest(buffer), digest);
    return { digest: sha256Digest(buffer), size: buffer.length, buffer };
  });
  return {
    artifact: { mediaType: sig.manifestMediaType, manifestBytes: sig.manifest, manifestDigest: sha256Digest(sig.manifest), blobs },
    tag: sig.tag,
  };
}

export async function push(registry: TestRegistry, repo: string, artifact: BuiltImage | OciArtifact, tag?: string): Promise<void> {
  await pushToRegistry(registry.baseUrl, repo, artifact, tag);
}

/** A signed-in core with the sample key trusted, an operator and the real engine. */
export async function importCore(engine: ContainerEngine = testEngine()) {
  const env = await initialisedCore({ core: { engine } });
  const admin = <N extends OpName>(name: N, input: unknown = {}): Promise<OpOutput<N>> => dispatch(env.core, env.admin, name, input);
  await admin('trust.addKey', { pem: readFileSync(join(KEYS, 'cosign.pub'), 'utf8'), comment: 'sample key' });
  const operator = await addUser(env.core, env.admin, 'op', ['operator']);
  const op = <N extends OpName>(name: N, input: unknown = {}): Promise<OpOutput<N>> => dispatch(env.core, operator.session, name, input);
  const loaded: string[] = [];
  return {
    env,
    admin,
    op,
    opSession: operator.session,
    engine,
    /** Remember an image id to remove at the end. */
    loaded,
    async cleanup() {
      for (const id of loaded) await engine.removeImage(id, { force: true }).catch(() => undefined);
      await env.cleanup();
    },
  };
}

export type ImportCore = Awaited<ReturnType<typeof importCore>>;

/** Expects a refusal with `code` and a message matching `pattern`; returns the message. */
export async function refused(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (pattern) assert.match(e.message ?? '', pattern);
    return e.message ?? '';
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

/** Nothing loaded into the engine, nothing left in staging, nothing in the catalog, and the refusal audited. */
export async function assertNothingLeft(
  t: ImportCore,
  image: Pick<BuiltImage, 'configDigest' | 'manifestDigest'>,
  name: string,
  code: string,
): Promise<void> {
  assert.equal(await t.engine.inspectImage(image.configDigest), null, `the image of ${name} is not in the engine`);
  const staging = join(t.env.home, 'staging');
  assert.deepEqual(existsSync(staging) ? readdirSync(staging) : [], [], 'staging is empty');
  const listed = await t.op('bundles.list');
  assert.equal(
    listed.bundles.some((b) => b.digest === image.manifestDigest || b.imageId === image.configDigest),
    false,
    `nothing of ${name} recorded`,
  );
  const last = t.env.core.store.db
    .prepare("SELECT outcome, details FROM audit_events WHERE action = 'bundles.import' ORDER BY seq DESC LIMIT 1")
    .get() as { outcome: string; details: string };
  assert.equal(last.outcome, 'failure', 'the refusal is audited');
  assert.equal((JSON.parse(last.details) as { error: string }).error, code);
}

/**
 * The workspace a suite of import tests shares: a temp folder, and the registry when the engine
 * and registry are there (`skip` says why not otherwise). Call from `before`; pass to `closeWorkspace`.
 */
export async function openWorkspace(
  prefix: string,
): Promise<{ work: string; registry: TestRegistry | undefined; skip: string | undefined }> {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const skip = engineSkip();
  if (skip) return { work, registry: undefined, skip };
  const started = await testRegistry();
  return 'skip' in started ? { work, registry: undefined, skip: started.skip } : { work, registry: started, skip: undefined };
}

export async function closeWorkspace(registry: TestRegistry | undefined, work: string): Promise<void> {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
}
