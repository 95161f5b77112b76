/**
 * The samples script end to end: build, sign, write an OCI layout and push to the real registry;
 * then both sources list the samples and src/trust verifies each image's signatures through them
 * (classic `.sig` tag and the sigstore-bundle referrer: layout scan, registry fallback tag).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMirrorSource, type MirrorSource } from '../../../src/mirror';
import { parseTrustedKeyPem, verifyImageSignature } from '../../../src/trust';
import { signatureSourceFor } from '../../../src/bundles/mirror-signatures';
import { buildMirror, SAMPLES_DIR, type SignedSample } from '../../../samples/tools/build-mirror';
import { startRegistry, type TestRegistry } from './registry-fixture';

const BUSYBOX = process.env.AIRGAP_BUSYBOX ?? '/bin/busybox';
let registry: TestRegistry | undefined;
let skip: string | undefined;
let work: string;
let built: SignedSample[] = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'samples-mirror-test-'));
  if (!existsSync(BUSYBOX)) {
    skip = `${BUSYBOX} is missing (apt-get install busybox-static); sample images cannot be built`;
    return;
  }
  const started = await startRegistry({ private: true });
  if ('skip' in started) skip = started.skip;
  else registry = started;
  built = await buildMirror({ out: join(work, 'mirror'), ...(registry ? { push: registry.url } : {}), log: () => undefined });
});

after(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function checkSource(source: MirrorSource, via: string[]): Promise<void> {
  const trustedKeys = [parseTrustedKeyPem(readFileSync(join(SAMPLES_DIR, '..', 'keys', 'cosign.pub')))];
  const repos = await source.listRepositories();
  for (const { sample } of built) {
    assert.ok(repos.includes(sample.repository), `${sample.repository} listed`);
    const resolved = await source.resolve(sample.repository, sample.version);
    assert.equal(resolved.digest, sample.image.manifestDigest);
    const referrers = await source.listReferrers(sample.repository, resolved.digest, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(referrers.manifests.length, 1);
    assert.ok(via.includes(referrers.via), referrers.via);
    for (const formats of [['cosign-classic'], ['sigstore-bundle']] as const) {
      await verifyImageSignature({
        source: signatureSourceFor(source, sample.repository),
        trustedKeys,
        manifestDigest: resolved.digest,
        formats,
      });
    }
  }
}

describe('samples mirror (npm run samples:mirror)', () => {
  test('every sample with a codebundle.yaml is built and signed', (t) => {
    if (skip) return t.skip(skip);
    assert.ok(built.length >= 1);
    for (const { sample } of built) assert.match(sample.repository, /^samples\/[a-z0-9-]+$/);
  });

  test('the OCI-layout mirror lists the samples and their signatures verify', async (t) => {
    if (skip) return t.skip(skip);
    const source = await openMirrorSource(`oci:${join(work, 'mirror')}`);
    t.after(() => source.close());
    await checkSource(source, ['layout']);
  });

  test('the registry mirror lists the samples and their signatures verify', async (t) => {
    if (skip) return t.skip(skip);
    if (!registry) return t.skip('no registry');
    const source = await openMirrorSource(registry.url);
    t.after(() => source.close());
    await checkSource(source, ['referrers-api', 'fallback-tag']);
  });
});
