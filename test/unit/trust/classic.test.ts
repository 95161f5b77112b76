import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signClassic, sha256Digest } from '../../../samples/tools/sign';
import { COSIGN_SIGNATURE_ANNOTATION, verifyClassicSignatures, verifyImageSignature } from '../../../src/trust/index';
import { fakeImage, trustedKey, trustedPrivatePem, untrustedKey, untrustedPrivatePem } from './fixtures';
import { MemorySource } from './memory-source';

const REPO = 'registry.local:5000/bundles/host-health';

function classicSource(signedDigest: string, privateKeyPem = trustedPrivatePem, tagDigest = signedDigest) {
  const signature = signClassic({ manifestDigest: signedDigest, dockerReference: REPO, privateKeyPem });
  const source = new MemorySource();
  source.putArtifact(signature, signClassic({ manifestDigest: tagDigest, dockerReference: REPO, privateKeyPem }).tag);
  return { source, signature };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; reason: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; reason: string; message: string };
  }
  assert.fail('expected the signature check to fail');
}

void test('signClassic writes what cosign pushes under sha256-<hex>.sig', () => {
  const image = fakeImage();
  const sig = signClassic({ manifestDigest: image.digest, dockerReference: REPO, privateKeyPem: trustedPrivatePem });
  assert.equal(sig.tag, `sha256-${image.digest.slice(7)}.sig`);
  const manifest = JSON.parse(sig.manifest.toString());
  assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(manifest.config.mediaType, 'application/vnd.oci.image.config.v1+json');
  assert.equal(manifest.layers.length, 1);
  assert.equal(manifest.layers[0].mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
  assert.equal(manifest.layers[0].annotations[COSIGN_SIGNATURE_ANNOTATION], sig.signature);
  assert.equal(manifest.layers[0].digest, sha256Digest(sig.payload));
  assert.deepEqual(JSON.parse(sig.payload.toString()), {
    critical: {
      identity: { 'docker-reference': REPO },
      image: { 'docker-manifest-digest': image.digest },
      type: 'cosign container image signature',
    },
    optional: null,
  });
  const config = JSON.parse(sig.config.bytes.toString());
  assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: [manifest.layers[0].digest] });
  assert.equal(sig.blobs.get(manifest.config.digest)?.equals(sig.config.bytes), true);
});

void test('a classic signature by a trusted key verifies and names the signer', async () => {
  const image = fakeImage();
  const { source } = classicSource(image.digest);
  const verified = await verifyImageSignature({ source, trustedKeys: [untrustedKey, trustedKey], manifestDigest: image.digest });
  assert.equal(verified.format, 'cosign-classic');
  assert.equal(verified.signerFingerprint, trustedKey.fingerprint);
  assert.equal(verified.signedDigest, image.digest);
  assert.equal(verified.dockerReference, REPO);
});

void test('a classic signature by an unknown key is refused', async () => {
  const image = fakeImage();
  const { source } = classicSource(image.digest, untrustedPrivatePem);
  const error = await failure(verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest }));
  assert.equal(error.code, 'VERIFY_FAILED');
  assert.equal(error.reason, 'unknown-key');
  assert.match(error.message, /none of the 1 trusted key/);
  assert.match(error.message, /trust add-key/);
});

void test('a signature for another digest, copied under this image, is refused', async () => {
  const image = fakeImage();
  const other = fakeImage('other');
  const { source } = classicSource(other.digest, trustedPrivatePem, image.digest);
  const error = await failure(verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest }));
  assert.equal(error.reason, 'digest-mismatch');
  assert.match(error.message, /signature is for another image digest/);
});

void test('a payload altered in the mirror is refused, with or without a fixed-up manifest', async () => {
  const image = fakeImage();
  const { source, signature } = classicSource(image.digest);
  const layerDigest = [...signature.blobs.keys()].find((d) => signature.blobs.get(d) === signature.payload)!;
  const forged = Buffer.from(signature.payload.toString().replace('host-health', 'host-h3alth'));
  source.blobs.set(layerDigest, forged);
  const first = await failure(verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest }));
  assert.equal(first.reason, 'tampered');

  // The attacker also rewrites the manifest so the layer digest matches: the signature fails.
  const manifest = JSON.parse(signature.manifest.toString());
  manifest.layers[0].digest = sha256Digest(forged);
  manifest.layers[0].size = forged.length;
  source.blobs.set(sha256Digest(forged), forged);
  source.manifests.set(signature.tag, Buffer.from(JSON.stringify(manifest)));
  const second = await failure(verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest }));
  assert.equal(second.reason, 'unknown-key');
  assert.match(second.message, /payload or signature was altered/);
});

void test('a payload of another type is refused even when validly signed', async () => {
  const image = fakeImage();
  const { source, signature } = classicSource(image.digest);
  const payload = Buffer.from(signature.payload.toString().replace('cosign container image signature', 'atomic container signature'));
  const { sign } = await import('node:crypto');
  const sig = sign('sha256', payload, trustedPrivatePem).toString('base64');
  const manifest = JSON.parse(signature.manifest.toString());
  manifest.layers[0] = {
    ...manifest.layers[0],
    digest: sha256Digest(payload),
    size: payload.length,
    annotations: { [COSIGN_SIGNATURE_ANNOTATION]: sig },
  };
  source.blobs.set(sha256Digest(payload), payload);
  source.manifests.set(signature.tag, Buffer.from(JSON.stringify(manifest)));
  const error = await failure(verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest }));
  assert.equal(error.reason, 'wrong-type');
});

void test('one good signature among bad ones is enough', async () => {
  const image = fakeImage();
  const bad = signClassic({ manifestDigest: image.digest, dockerReference: REPO, privateKeyPem: untrustedPrivatePem });
  const good = signClassic({ manifestDigest: image.digest, dockerReference: REPO, privateKeyPem: trustedPrivatePem });
  const manifest = JSON.parse(bad.manifest.toString());
  manifest.layers.push(JSON.parse(good.manifest.toString()).layers[0]);
  const source = new MemorySource();
  for (const [digest, bytes] of [...bad.blobs, ...good.blobs]) source.blobs.set(digest, bytes);
  source.manifests.set(good.tag, Buffer.from(JSON.stringify(manifest)));
  const verified = await verifyClassicSignatures({
    source,
    digest: image.digest,
    acceptedDigests: [image.digest],
    trustedKeys: [trustedKey],
  });
  assert.equal(verified?.signerFingerprint, trustedKey.fingerprint);
});

void test('an oversized payload is refused without being fetched', async () => {
  const image = fakeImage();
  const { source, signature } = classicSource(image.digest);
  const manifest = JSON.parse(signature.manifest.toString());
  manifest.layers[0].size = 50 * 1024 * 1024;
  source.manifests.set(signature.tag, Buffer.from(JSON.stringify(manifest)));
  const error = await failure(
    verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest, formats: ['cosign-classic'] }),
  );
  assert.equal(error.reason, 'malformed');
  assert.equal(
    source.fetched.some((f) => f.startsWith('blob:')),
    false,
  );
});

void test('with no trust roots nothing verifies', async () => {
  const image = fakeImage();
  const { source } = classicSource(image.digest);
  const error = await failure(verifyImageSignature({ source, trustedKeys: [], manifestDigest: image.digest }));
  assert.equal(error.reason, 'unknown-key');
  assert.match(error.message, /no trust roots/);
});
