/**
 * End to end over real files: the sample mirror (images built FROM scratch with busybox, signed by
 * samples/tools/sign.ts in both cosign formats, written as an OCI layout) is opened with the mirror's
 * OciLayoutSource and every sample verifies through signatureSourceFor, in each format.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OciLayoutSource } from '../../../src/mirror/index';
import { parseTrustedKeyPem, verifyImageSignature } from '../../../src/trust/index';
import { signatureSourceFor } from '../../../src/bundles/mirror-signatures';
import { buildMirror, type SignedSample } from '../../../samples/tools/build-mirror';

const keys = fileURLToPath(new URL('../../../samples/keys/', import.meta.url));
const trusted = parseTrustedKeyPem(readFileSync(join(keys, 'cosign.pub')));
const untrusted = parseTrustedKeyPem(readFileSync(join(keys, 'untrusted.pub')));
const busybox = process.env.AIRGAP_BUSYBOX ?? '/bin/busybox';
const skip = existsSync(busybox) ? false : `${busybox} is missing (apt-get install busybox-static)`;

let dir = '';
let samples: SignedSample[] = [];
let source: OciLayoutSource;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'airgap-mirror-'));
  samples = await buildMirror({ out: dir, log: () => undefined });
  source = await OciLayoutSource.open(dir);
});

after(async () => {
  await source?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

void test('every sample image in the layout verifies, in both formats, through the mirror source', { skip }, async () => {
  assert.ok(samples.length >= 3);
  for (const sample of samples) {
    const repository = sample.sample.repository;
    const image = await source.resolve(repository, sample.sample.version);
    const signatures = signatureSourceFor(source, repository);
    for (const format of ['cosign-classic', 'sigstore-bundle'] as const) {
      const verified = await verifyImageSignature({
        source: signatures,
        trustedKeys: [trusted],
        manifestDigest: image.digest,
        formats: [format],
      });
      assert.equal(verified.format, format, `${repository} ${format}`);
      assert.equal(verified.signerFingerprint, trusted.fingerprint);
      assert.equal(verified.signedDigest, image.digest);
    }
  }
});

void test('the same mirror is refused when the sample key is not a trust root', { skip }, async () => {
  const sample = samples[0]!;
  const image = await source.resolve(sample.sample.repository, sample.sample.version);
  await assert.rejects(
    verifyImageSignature({
      source: signatureSourceFor(source, sample.sample.repository),
      trustedKeys: [untrusted],
      manifestDigest: image.digest,
    }),
    { code: 'VERIFY_FAILED', reason: 'unknown-key' },
  );
});
