import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../src/kernel';
import { signBundle, signClassic, signDetached, sha256Digest } from '../../../samples/tools/sign';
import { verifyDetachedSignature, verifyImageSignature } from '../../../src/trust/index';
import { fakeImage, IMAGE_MANIFEST_MEDIA_TYPE, trustedKey, trustedPrivatePem, untrustedPrivatePem } from './fixtures';
import { MemorySource } from './memory-source';

const REPO = 'registry.local:5000/bundles/log-scan';

void test('an unsigned image is refused as unsigned, having looked in every place', async () => {
  const image = fakeImage();
  const source = new MemorySource();
  await assert.rejects(
    verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest }),
    (error: { code: string; reason: string; message: string }) => {
      assert.equal(error.code, 'VERIFY_FAILED');
      assert.equal(error.reason, 'unsigned');
      assert.match(error.message, /unsigned/);
      return true;
    },
  );
  const hex = image.digest.slice(7);
  assert.deepEqual(source.fetched.sort(), [`manifest:sha256-${hex}`, `manifest:sha256-${hex}.sig`, `referrers:${image.digest}`].sort());
});

void test('multi-arch: a signature on the index counts for a platform manifest it lists', async () => {
  const platform = fakeImage('amd64');
  const index = fakeImage('index');
  const source = new MemorySource();
  const sig = signClassic({ manifestDigest: index.digest, dockerReference: REPO, privateKeyPem: trustedPrivatePem });
  source.putArtifact(sig, sig.tag);
  const verified = await verifyImageSignature({
    source,
    trustedKeys: [trustedKey],
    manifestDigest: platform.digest,
    indexDigest: index.digest,
  });
  assert.equal(verified.signedDigest, index.digest);
  await assert.rejects(verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: platform.digest }), {
    reason: 'unsigned',
  });
});

void test('multi-arch: a bundle on the platform manifest counts when the index is unsigned', async () => {
  const platform = fakeImage('arm64');
  const index = fakeImage('index');
  const signed = signBundle({
    manifestDigest: platform.digest,
    manifestSize: platform.bytes.length,
    manifestMediaType: IMAGE_MANIFEST_MEDIA_TYPE,
    privateKeyPem: trustedPrivatePem,
  });
  const source = new MemorySource();
  source.putArtifact(signed);
  source.addReferrer(platform.digest, signed.descriptor);
  const verified = await verifyImageSignature({
    source,
    trustedKeys: [trustedKey],
    manifestDigest: platform.digest,
    indexDigest: index.digest,
  });
  assert.equal(verified.signedDigest, platform.digest);
});

void test('a good bundle wins over a classic signature by an unknown key', async () => {
  const image = fakeImage();
  const source = new MemorySource();
  const bad = signClassic({ manifestDigest: image.digest, dockerReference: REPO, privateKeyPem: untrustedPrivatePem });
  source.putArtifact(bad, bad.tag);
  const good = signBundle({
    manifestDigest: image.digest,
    manifestSize: image.bytes.length,
    manifestMediaType: IMAGE_MANIFEST_MEDIA_TYPE,
    privateKeyPem: trustedPrivatePem,
  });
  source.putArtifact(good);
  source.addReferrer(image.digest, good.descriptor);
  assert.equal((await verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest })).format, 'sigstore-bundle');
});

void test('the most telling failure is reported when every signature fails', async () => {
  const image = fakeImage();
  const source = new MemorySource();
  const unknown = signClassic({ manifestDigest: image.digest, dockerReference: REPO, privateKeyPem: untrustedPrivatePem });
  source.putArtifact(unknown, unknown.tag);
  const other = signBundle({
    manifestDigest: fakeImage('x').digest,
    manifestSize: 1,
    manifestMediaType: IMAGE_MANIFEST_MEDIA_TYPE,
    privateKeyPem: trustedPrivatePem,
  });
  source.putArtifact(other);
  source.addReferrer(image.digest, other.descriptor);
  await assert.rejects(verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest }), {
    reason: 'digest-mismatch',
  });
});

void test("a source's transport error passes through unchanged", async () => {
  const image = fakeImage();
  const source = new MemorySource();
  source.getManifest = async () => {
    throw new ApiError('ENGINE_UNAVAILABLE', 'mirror unreachable');
  };
  await assert.rejects(verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest }), {
    code: 'ENGINE_UNAVAILABLE',
  });
});

void test('a malformed digest is INVALID_INPUT', async () => {
  await assert.rejects(verifyImageSignature({ source: new MemorySource(), trustedKeys: [trustedKey], manifestDigest: 'sha256:XYZ' }), {
    code: 'INVALID_INPUT',
  });
});

void test('detached signature and payload files verify against the digest the caller computed', () => {
  const image = fakeImage();
  const files = signDetached({ manifestDigest: image.digest, dockerReference: REPO, privateKeyPem: trustedPrivatePem });
  assert.match(files.signature.toString(), /^[A-Za-z0-9+/]+=*$/);
  const verified = verifyDetachedSignature({
    payload: files.payload,
    signature: files.signature,
    expectedDigests: [image.digest],
    trustedKeys: [trustedKey],
  });
  assert.equal(verified.format, 'detached');
  assert.equal(verified.signerFingerprint, trustedKey.fingerprint);
  // The raw DER signature (not base64) is accepted too, and a trailing newline is harmless.
  const der = Buffer.from(files.signature.toString(), 'base64');
  assert.doesNotThrow(() =>
    verifyDetachedSignature({ payload: files.payload, signature: der, expectedDigests: [image.digest], trustedKeys: [trustedKey] }),
  );
  assert.doesNotThrow(() =>
    verifyDetachedSignature({
      payload: files.payload,
      signature: Buffer.concat([files.signature, Buffer.from('\n')]),
      expectedDigests: [image.digest],
      trustedKeys: [trustedKey],
    }),
  );
});

void test('detached: another digest, another key and an edited payload are refused', () => {
  const image = fakeImage();
  const files = signDetached({ manifestDigest: image.digest, dockerReference: REPO, privateKeyPem: trustedPrivatePem });
  assert.throws(() => verifyDetachedSignature({ ...files, expectedDigests: [fakeImage('x').digest], trustedKeys: [trustedKey] }), {
    reason: 'digest-mismatch',
  });
  const foreign = signDetached({ manifestDigest: image.digest, dockerReference: REPO, privateKeyPem: untrustedPrivatePem });
  assert.throws(() => verifyDetachedSignature({ ...foreign, expectedDigests: [image.digest], trustedKeys: [trustedKey] }), {
    reason: 'unknown-key',
  });
  const edited = Buffer.from(files.payload.toString().replace(image.digest, sha256Digest('evil')));
  assert.throws(
    () =>
      verifyDetachedSignature({
        payload: edited,
        signature: files.signature,
        expectedDigests: [sha256Digest('evil')],
        trustedKeys: [trustedKey],
      }),
    { reason: 'unknown-key' },
  );
  assert.throws(
    () =>
      verifyDetachedSignature({
        payload: Buffer.alloc(200 * 1024),
        signature: files.signature,
        expectedDigests: [image.digest],
        trustedKeys: [trustedKey],
      }),
    { reason: 'malformed' },
  );
});
