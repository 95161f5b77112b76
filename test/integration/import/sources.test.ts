/**
 * Importing from each of the three sources through the real registry and engine: a registry (cosign
 * classic signature, and a cosign 3 sigstore bundle through the fallback tag), an OCI layout, a
 * docker-save archive with detached signature files; a multi-arch index signed on the index; and
 * re-importing a known digest as a no-op.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { subscribe } from '../../../src/api/dispatcher';
import { ApiError } from '../../../src/kernel';
import type { BundleRecord } from '../../../src/bundles/catalog';
import { BundleImporter, type ImportCatalog } from '../../../src/bundles/import';
import { parseTrustedKeyPem } from '../../../src/trust';
import { ArchiveSource } from '../../../src/mirror';
import { artifactFromManifest, buildImage, digestHex, MediaType, writeDockerSaveTar, writeOciLayout } from '../../../src/oci';
import { CODEBUNDLE_DEFAULT_PATH, CODEBUNDLE_LABEL } from '../../../src/bundles';
import { layoutEntries, pushSigned } from '../../../samples/tools/build-mirror';
import { signDetached } from '../../../samples/tools/sign';
import type { TestRegistry } from '../mirror/registry-fixture';
import {
  bundleImage,
  classicArtifact,
  codebundleYaml,
  importCore,
  KEYS,
  push,
  signed,
  testEngine,
  TRUSTED_FP,
  TRUSTED_KEY,
  unique,
  type ImportCore,
  openWorkspace,
  closeWorkspace,
} from './fixture';

let work: string;
let registry: TestRegistry | undefined;
let skip: string | undefined;

before(async () => {
  ({ work, registry, skip } = await openWorkspace('import-sources-'));
});

after(() => closeWorkspace(registry, work));

function checkImported(out: Awaited<ReturnType<ImportCore['op']>>, name: string, format: string): void {
  const result = out as {
    outcome: string;
    bundle: { name: string; state: string; signature: { format: string; signerFingerprint: string | null } };
    tasks: Array<{ id: string; enabled: boolean; reason: string }>;
  };
  assert.equal(result.outcome, 'imported');
  assert.equal(result.bundle.name, name);
  assert.equal(result.bundle.state, 'active');
  assert.equal(result.bundle.signature.format, format);
  assert.equal(result.bundle.signature.signerFingerprint, format === 'none' ? null : TRUSTED_FP);
  const tasks = Object.fromEntries(result.tasks.map((t) => [t.id, t]));
  assert.equal(tasks.look?.enabled, true);
  assert.equal(tasks.change?.enabled, false, 'read-write is imported disabled by the default policy');
  assert.match(tasks.change?.reason ?? '', /access:read-write/);
}

describe('import from each source into the real engine', () => {
  test('registry, cosign classic signature: imported, loaded by id, recorded; a second import is a no-op', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    c.loaded.push(built.image.configDigest);
    const repo = `tests/${built.name}`;
    await push(registry, repo, built.image, '1.0.0');
    const sig = classicArtifact(built.image.manifestDigest, TRUSTED_KEY, `${registry.authority}/${repo}`);
    await push(registry, repo, sig.artifact, sig.tag);

    const out = await c.op('bundles.import', { source: registry.url, ref: `${repo}:1.0.0` });
    checkImported(out, built.name, 'cosign-classic');
    assert.equal(out.bundle.digest, built.image.manifestDigest);
    assert.equal(out.bundle.imageId, built.image.configDigest);
    assert.equal(out.source.kind, 'registry');
    assert.equal(out.source.insecure, true, 'plain HTTP on loopback is recorded as insecure');
    const image = await c.engine.inspectImage(built.image.configDigest);
    assert.equal(image?.id, built.image.configDigest, 'loaded, image id = config digest');
    assert.ok(
      image?.repoTags.some((tag) => tag.startsWith(`airgap-runner/${built.name}:1.0.0-`)),
      'tagged, so image prune keeps it',
    );

    const again = await c.op('bundles.import', { source: registry.url, ref: `${repo}@${built.image.manifestDigest}` });
    assert.equal(again.outcome, 'already-imported');
    assert.equal((await c.op('bundles.list')).bundles.filter((b) => b.name === built.name).length, 1);
    const events = c.env.core.store.db
      .prepare("SELECT outcome, details FROM audit_events WHERE action = 'bundles.import' ORDER BY seq")
      .all() as Array<{ outcome: string; details: string }>;
    assert.deepEqual(
      events.map((e) => [e.outcome, (JSON.parse(e.details) as { outcome: string }).outcome]),
      [
        ['success', 'imported'],
        ['success', 'already-imported'],
      ],
    );
    const details = JSON.parse(events[0]!.details) as Record<string, unknown>;
    assert.equal(details.signer, TRUSTED_FP);
    assert.equal(details.insecure, true);
    assert.deepEqual(details.disabledTasks, [{ id: 'change', reason: out.tasks.find((x) => x.id === 'change')!.reason }]);
  });

  test('registry, cosign 3 sigstore bundle found through the sha256-<hex> fallback tag, with progress events', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage({ layers: [{ random: { seed: unique(), size: 3 * 1024 * 1024 } }] });
    c.loaded.push(built.image.configDigest);
    const repo = `tests/${built.name}`;
    const s = await signed(repo, built);
    await push(registry, repo, s.image, '1.0.0');
    await push(registry, repo, s.bundle.artifact);
    await push(registry, repo, s.bundle.fallbackIndex, s.bundle.fallbackTag);

    const stages: string[] = [];
    let fetched = 0;
    let layers: Array<{ digest: string; size: number; received: number }> = [];
    const stop = subscribe(c.env.core, c.opSession, 'bundles.importProgress', { progressId: 'p1' }, (e) => {
      stages.push(e.stage);
      if (e.stage === 'fetch') fetched = Math.max(fetched, e.received ?? 0);
      if (e.layers) layers = e.layers;
    });
    t.after(stop);
    const out = await c.op('bundles.import', { source: registry.url, ref: `${repo}:1.0.0`, progressId: 'p1' });
    checkImported(out, built.name, 'sigstore-bundle');
    const order = [...new Set(stages)];
    assert.deepEqual(order, ['engine', 'open', 'resolve', 'verify', 'fetch', 'read', 'policy', 'load', 'record', 'done']);
    assert.equal(fetched, out.bytes, 'fetch progress reaches the total');
    // Per layer, in the manifest's order, each complete at the end.
    assert.deepEqual(
      layers,
      built.image.manifest.layers.map((l) => ({ digest: l.digest, size: l.size, received: l.size })),
    );
  });

  test("registry, the bundle's files on top of a data layer: the data layer goes to the engine without touching staging", async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const name = unique();
    const image = await buildImage({
      layers: [
        { random: { seed: unique(), size: 2 * 1024 * 1024, path: '/data/blob' } },
        {
          files: [
            { path: '/codebundle/codebundle.yaml', content: codebundleYaml(name) },
            { path: '/codebundle/run.sh', content: 'echo hello\n', mode: 0o755 },
          ],
        },
      ],
      config: { user: '65534:65534', labels: { [CODEBUNDLE_LABEL]: CODEBUNDLE_DEFAULT_PATH } },
    });
    const built = { name, version: '1.0.0', image };
    c.loaded.push(image.configDigest);
    const repo = `tests/${name}`;
    await push(registry, repo, image, '1.0.0');
    const sig = classicArtifact(image.manifestDigest, TRUSTED_KEY, `${registry.authority}/${repo}`);
    await push(registry, repo, sig.artifact, sig.tag);

    // What staging holds once every layer is through, when codebundle.yaml is read.
    const staging = join(c.env.home, 'staging');
    let staged: string[] | undefined;
    const stop = subscribe(c.env.core, c.opSession, 'bundles.importProgress', { progressId: 'top' }, (e) => {
      if (e.stage === 'read') staged = readdirSync(staging).flatMap((dir) => readdirSync(join(staging, dir, 'blobs')));
    });
    t.after(stop);
    const out = await c.op('bundles.import', { source: registry.url, ref: `${repo}:1.0.0`, progressId: 'top' });
    checkImported(out, built.name, 'cosign-classic');
    assert.equal((await c.engine.inspectImage(image.configDigest))?.id, image.configDigest, 'loaded, by its config digest');
    const [data, top] = image.layers;
    assert.deepEqual(
      staged?.sort(),
      [image.configDigest, top!.digest].map((d) => digestHex(d)).sort(),
      'only the config and the top layer (which holds codebundle.yaml) were staged',
    );
    assert.ok(!staged?.includes(digestHex(data!.digest)));
  });

  test('OCI layout (both signature formats in the layout)', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    c.loaded.push(built.image.configDigest);
    const repo = `tests/${built.name}`;
    const dir = join(work, built.name);
    await writeOciLayout(dir, layoutEntries(await signed(repo, built)));
    const out = await c.op('bundles.import', { source: `oci:${dir}`, ref: `${repo}:1.0.0` });
    checkImported(out, built.name, 'cosign-classic');
    assert.deepEqual({ kind: out.source.kind, location: out.source.location }, { kind: 'oci-layout', location: `oci:${dir}` });
    assert.equal((await c.engine.inspectImage(built.image.configDigest))?.id, built.image.configDigest);
  });

  test('docker save archive with detached cosign signature and payload files', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    c.loaded.push(built.image.configDigest);
    const repo = `tests/${built.name}`;
    const file = join(work, `${built.name}.tar`);
    await writeDockerSaveTar(file, {
      configBytes: built.image.configBytes,
      layers: built.image.layers.map((l) => ({ digest: l.digest, size: l.size, buffer: l.buffer! })),
      repoTags: [`${repo}:1.0.0`],
    });
    // The digest the import computes from the archive is what the site signs (mirror list shows it).
    const listed = await c.op('mirror.list', { source: `archive:${file}`, repository: repo });
    const digest = listed.repositories[0]!.tags[0]!.digest!;
    const probe = await ArchiveSource.open(file, { stagingParent: work });
    assert.equal((await probe.resolve(repo, '1.0.0')).digest, digest);
    await probe.close();

    const unsigned = await c
      .op('bundles.import', { source: `archive:${file}`, ref: `${repo}:1.0.0` })
      .catch((e: { code: string; message: string }) => e);
    assert.equal((unsigned as { code: string }).code, 'VERIFY_FAILED');
    assert.match((unsigned as { message: string }).message, /docker save archive, which carries no signature/);

    const files = signDetached({ manifestDigest: digest, dockerReference: repo, privateKeyPem: TRUSTED_KEY });
    writeFileSync(join(work, `${built.name}.sig`), files.signature);
    writeFileSync(join(work, `${built.name}.payload`), files.payload);
    const out = await c.op('bundles.import', {
      source: `archive:${file}`,
      ref: `${repo}:1.0.0`,
      signatureFile: join(work, `${built.name}.sig`),
      payloadFile: join(work, `${built.name}.payload`),
    });
    checkImported(out, built.name, 'detached');
    assert.equal(out.source.format, 'docker-save');
    assert.equal(out.bundle.imageId, built.image.configDigest);
  });

  test('docker save archive without a signature is imported only while an admin has made signatures optional (recorded)', async (t) => {
    if (skip) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    c.loaded.push(built.image.configDigest);
    const repo = `tests/${built.name}`;
    const file = join(work, `${built.name}-unsigned.tar`);
    await writeDockerSaveTar(file, {
      configBytes: built.image.configBytes,
      layers: built.image.layers.map((l) => ({ digest: l.digest, size: l.size, buffer: l.buffer! })),
      repoTags: [`${repo}:1.0.0`],
    });
    await c.admin('settings.set', { key: 'bundles.signaturesOptional', value: true });
    const out = await c.op('bundles.import', { source: `archive:${file}`, ref: `${repo}:1.0.0` });
    checkImported(out, built.name, 'none');
    assert.equal(out.signature.signaturesOptionalUsed, true);
    const details = JSON.parse(
      (
        c.env.core.store.db.prepare("SELECT details FROM audit_events WHERE action = 'bundles.import' ORDER BY seq DESC LIMIT 1").get() as {
          details: string;
        }
      ).details,
    ) as Record<string, unknown>;
    assert.equal(details.signaturesOptionalUsed, true);
    assert.match(String(details.signatureNote), /signatures optional/);
    // Required again: the unsigned bundle's tasks are disabled at once.
    await c.admin('settings.set', { key: 'bundles.signaturesOptional', value: false });
    const tasks = await c.op('tasks.list', { bundle: built.name });
    assert.ok(tasks.tasks.every((task) => !task.enabled && /imported unsigned/.test(task.reason)));
  });

  test('multi-arch index signed on the index: the engine platform is chosen, both digests recorded', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const name = unique();
    const amd = await bundleImage({ name });
    const arm = await bundleImage({ name, architecture: 'arm64' });
    c.loaded.push(amd.image.configDigest, arm.image.configDigest);
    const repo = `tests/${name}`;
    await push(registry, repo, amd.image);
    await push(registry, repo, arm.image);
    const index = artifactFromManifest({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: arm.image.mediaType,
          digest: arm.image.manifestDigest,
          size: arm.image.manifestBytes.length,
          platform: { os: 'linux', architecture: 'arm64' },
        },
        {
          mediaType: amd.image.mediaType,
          digest: amd.image.manifestDigest,
          size: amd.image.manifestBytes.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    });
    await push(registry, repo, index, '1.0.0');
    const sig = classicArtifact(index.manifestDigest, TRUSTED_KEY);
    await push(registry, repo, sig.artifact, sig.tag);
    const out = await c.op('bundles.import', { source: registry.url, ref: `${repo}:1.0.0` });
    assert.equal(out.bundle.digest, amd.image.manifestDigest);
    assert.equal(out.bundle.indexDigest, index.manifestDigest);
    assert.equal(out.bundle.imageId, amd.image.configDigest);
    assert.equal(out.signature.signedDigest, index.manifestDigest);
    assert.equal(await c.engine.inspectImage(arm.image.configDigest), null, 'the other platform is not loaded');
    // Revoking the index revokes the bundle loaded from it.
    await c.admin('bundles.revoke', { digest: index.manifestDigest, reason: 'index withdrawn' });
    assert.equal((await c.op('bundles.show', { ref: name })).bundle.state, 'revoked');
  });

  test('a registry PREFIX: repositories are read under it (pushed with the samples tooling)', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const c = await importCore();
    t.after(() => c.cleanup());
    const built = await bundleImage();
    c.loaded.push(built.image.configDigest);
    await pushSigned(registry.baseUrl, 'mirror', await signed(`tests/${built.name}`, built));
    const out = await c.op('bundles.import', { source: `${registry.url}/mirror`, ref: `tests/${built.name}:1.0.0` });
    checkImported(out, built.name, 'cosign-classic');
    assert.equal(out.bundle.source.location, `${registry.url}/mirror`);
  });

  test('two importers racing for one image: the one that loses keeps the image the winner recorded', async (t) => {
    if (skip) return t.skip(skip);
    const engine = testEngine();
    const built = await bundleImage();
    t.after(() => engine.removeImage(built.image.configDigest, { force: true }).catch(() => undefined));
    const repo = `tests/${built.name}`;
    const dir = join(work, `${built.name}-race`);
    await writeOciLayout(dir, layoutEntries(await signed(repo, built)));
    const staging = join(work, `${built.name}-staging`);
    let winner: BundleRecord | undefined;
    const catalog: ImportCatalog = {
      trustedKeys: () => [parseTrustedKeyPem(readFileSync(join(KEYS, 'cosign.pub')))],
      signaturesOptional: () => false,
      policy: () => ({ allow: [], deny: ['access:read-write'] }),
      revocation: () => undefined,
      byDigest: () => winner,
      byNameVersion: () => winner,
      record: (bundle) => {
        // The other process commits first.
        winner = { ...bundle, id: 1, imageRemovedAt: null };
        throw new ApiError('CONFLICT', `The digest ${bundle.digest} is already in the catalog.`);
      },
      reloaded: () => assert.fail('not a reload'),
    };
    const importer = new BundleImporter({ engine, stagingRoot: staging, workstationId: 'race-test', actor: 'user:op' });
    const out = await importer.import({ source: `oci:${dir}`, ref: `${repo}:1.0.0` }, catalog);
    assert.equal(out.outcome, 'already-imported');
    assert.equal(
      (await engine.inspectImage(built.image.configDigest))?.id,
      built.image.configDigest,
      'the image the winner recorded stays',
    );
    assert.deepEqual(readdirSync(staging), [], 'staging is empty');
  });
});
