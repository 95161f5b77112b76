import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { PublicKeyDetails, type TrustedRoot } from '@sigstore/protobuf-specs';
import { buildReferrersIndex, sha256Digest, signBundle, sigstoreBundle, cosignSignStatement } from '../../../samples/tools/sign';
import { verifyImageSignature, verifySigstoreBundle, SIGSTORE_BUNDLE_V03_MEDIA_TYPE } from '../../../src/trust/index';
import { fakeImage, IMAGE_MANIFEST_MEDIA_TYPE, trustedKey, trustedPrivatePem, untrustedKey, untrustedPrivatePem } from './fixtures';
import { MemorySource } from './memory-source';

function bundleFor(digest: string, bytes: Buffer, privateKeyPem = trustedPrivatePem, predicateType?: string) {
  return signBundle({
    manifestDigest: digest,
    manifestSize: bytes.length,
    manifestMediaType: IMAGE_MANIFEST_MEDIA_TYPE,
    privateKeyPem,
    created: new Date('2025-01-02T03:04:05Z'),
    ...(predicateType ? { predicateType } : {}),
  });
}

function failure(fn: () => unknown): { code: string; reason: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code: string; reason: string; message: string };
  }
  assert.fail('expected the signature check to fail');
}

void test('signBundle writes cosign 3 referrer: OCI 1.1 artifact manifest with subject and one bundle layer', () => {
  const image = fakeImage();
  const signed = bundleFor(image.digest, image.bytes);
  const manifest = JSON.parse(signed.manifest.toString());
  assert.equal(manifest.artifactType, SIGSTORE_BUNDLE_V03_MEDIA_TYPE);
  assert.deepEqual(manifest.subject, { mediaType: IMAGE_MANIFEST_MEDIA_TYPE, size: image.bytes.length, digest: image.digest });
  assert.deepEqual(manifest.config, {
    mediaType: 'application/vnd.oci.empty.v1+json',
    size: 2,
    digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    artifactType: SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
  });
  assert.equal(manifest.layers[0].mediaType, SIGSTORE_BUNDLE_V03_MEDIA_TYPE);
  assert.equal(manifest.layers[0].digest, sha256Digest(signed.bundle));
  assert.equal(manifest.annotations['dev.sigstore.bundle.content'], 'dsse-envelope');
  assert.equal(manifest.annotations['dev.sigstore.bundle.predicateType'], 'https://sigstore.dev/cosign/sign/v1');
  assert.equal(manifest.annotations['org.opencontainers.image.created'], '2025-01-02T03:04:05Z');
  assert.equal(signed.fallbackTag, `sha256-${image.digest.slice(7)}`);
  const bundle = JSON.parse(signed.bundle.toString());
  assert.equal(bundle.mediaType, SIGSTORE_BUNDLE_V03_MEDIA_TYPE);
  assert.equal(bundle.dsseEnvelope.payloadType, 'application/vnd.in-toto+json');
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
  assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
  assert.deepEqual(statement.subject, [{ digest: { sha256: image.digest.slice(7) }, annotations: {} }]);
});

void test('@sigstore/verify itself accepts the bundle with the key found by its hint', () => {
  const image = fakeImage();
  const signed = bundleFor(image.digest, image.bytes);
  const bundle = bundleFromJSON(JSON.parse(signed.bundle.toString()));
  const root: TrustedRoot = { mediaType: '', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
  const hint = bundle.verificationMaterial.content.$case === 'publicKey' ? bundle.verificationMaterial.content.publicKey.hint : '';
  const material = toTrustMaterial(root, {
    [hint]: {
      rawBytes: trustedKey.keyObject.export({ type: 'spki', format: 'der' }),
      keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
    },
  });
  const verifier = new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  assert.doesNotThrow(() => verifier.verify(toSignedEntity(bundle)));
  const tampered = bundleFromJSON({
    ...JSON.parse(signed.bundle.toString()),
    dsseEnvelope: {
      ...JSON.parse(signed.bundle.toString()).dsseEnvelope,
      payload: cosignSignStatement(fakeImage('x').digest).toString('base64'),
    },
  });
  assert.throws(() => verifier.verify(toSignedEntity(tampered)), /signature verification failed/);
});

void test('a bundle by a trusted key verifies through the referrers API', async () => {
  const image = fakeImage();
  const signed = bundleFor(image.digest, image.bytes);
  const source = new MemorySource();
  source.putArtifact(signed);
  source.addReferrer(image.digest, signed.descriptor);
  const verified = await verifyImageSignature({ source, trustedKeys: [untrustedKey, trustedKey], manifestDigest: image.digest });
  assert.equal(verified.format, 'sigstore-bundle');
  assert.equal(verified.signerFingerprint, trustedKey.fingerprint);
  assert.equal(verified.signedDigest, image.digest);
  assert.equal(verified.signatureManifestDigest, signed.manifestDigest);
});

void test('a bundle is also found through the sha256-<hex> fallback tag', async () => {
  const image = fakeImage();
  const signed = bundleFor(image.digest, image.bytes);
  const source = new MemorySource();
  source.putArtifact(signed);
  source.putManifest(buildReferrersIndex([signed.descriptor]).manifest, signed.fallbackTag);
  const verified = await verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest });
  assert.equal(verified.format, 'sigstore-bundle');
});

void test('bundle by an unknown key: refused, naming the key fingerprint', () => {
  const image = fakeImage();
  const signed = bundleFor(image.digest, image.bytes, untrustedPrivatePem);
  const error = failure(() => verifySigstoreBundle({ bundle: signed.bundle, expectedDigests: [image.digest], trustedKeys: [trustedKey] }));
  assert.equal(error.code, 'VERIFY_FAILED');
  assert.equal(error.reason, 'unknown-key');
  assert.match(error.message, new RegExp(untrustedKey.fingerprint));
});

void test('bundle whose statement was altered: bad signature', () => {
  const image = fakeImage();
  const signed = bundleFor(fakeImage('other').digest, image.bytes);
  const json = JSON.parse(signed.bundle.toString());
  json.dsseEnvelope.payload = cosignSignStatement(image.digest).toString('base64');
  const error = failure(() =>
    verifySigstoreBundle({ bundle: JSON.stringify(json), expectedDigests: [image.digest], trustedKeys: [trustedKey] }),
  );
  assert.equal(error.reason, 'bad-signature');
});

void test('bundle for another digest: refused as signature for another image', () => {
  const image = fakeImage();
  const signed = bundleFor(fakeImage('other').digest, image.bytes);
  const error = failure(() => verifySigstoreBundle({ bundle: signed.bundle, expectedDigests: [image.digest], trustedKeys: [trustedKey] }));
  assert.equal(error.reason, 'digest-mismatch');
  assert.match(error.message, /signature is for another image digest/);
});

void test('an attestation (other predicate type) is not a signature', () => {
  const image = fakeImage();
  const signed = bundleFor(image.digest, image.bytes, trustedPrivatePem, 'https://slsa.dev/provenance/v1');
  const error = failure(() => verifySigstoreBundle({ bundle: signed.bundle, expectedDigests: [image.digest], trustedKeys: [trustedKey] }));
  assert.equal(error.reason, 'wrong-type');
  assert.match(error.message, /slsa\.dev\/provenance/);
});

void test('keyless (certificate) bundles, blob signatures and junk are refused', () => {
  const image = fakeImage();
  const good = JSON.parse(bundleFor(image.digest, image.bytes).bundle.toString());
  const keyless = { ...good, verificationMaterial: { certificate: { rawBytes: Buffer.from('not a cert').toString('base64') } } };
  assert.throws(() =>
    verifySigstoreBundle({ bundle: JSON.stringify(keyless), expectedDigests: [image.digest], trustedKeys: [trustedKey] }),
  );
  const blob = {
    mediaType: good.mediaType,
    verificationMaterial: good.verificationMaterial,
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: Buffer.alloc(32).toString('base64') },
      signature: good.dsseEnvelope.signatures[0].sig,
    },
  };
  assert.equal(
    failure(() => verifySigstoreBundle({ bundle: JSON.stringify(blob), expectedDigests: [image.digest], trustedKeys: [trustedKey] }))
      .reason,
    'wrong-type',
  );
  assert.equal(
    failure(() => verifySigstoreBundle({ bundle: '{', expectedDigests: [image.digest], trustedKeys: [trustedKey] })).reason,
    'malformed',
  );
  assert.equal(
    failure(() =>
      verifySigstoreBundle({
        bundle: JSON.stringify({ ...good, mediaType: 'x' }),
        expectedDigests: [image.digest],
        trustedKeys: [trustedKey],
      }),
    ).reason,
    'malformed',
  );
  assert.equal(
    failure(() =>
      verifySigstoreBundle({ bundle: 'x'.repeat(2000), expectedDigests: [image.digest], trustedKeys: [trustedKey], maxBytes: 1000 }),
    ).reason,
    'malformed',
  );
});

void test('a bundle carrying transparency-log entries still verifies offline on the key alone', () => {
  const image = fakeImage();
  const statement = cosignSignStatement(image.digest);
  const json = JSON.parse(sigstoreBundle(statement, trustedPrivatePem).toString());
  json.verificationMaterial.tlogEntries = [
    {
      logIndex: '1',
      logId: { keyId: Buffer.alloc(32).toString('base64') },
      kindVersion: { kind: 'dsse', version: '0.0.1' },
      integratedTime: '1700000000',
      inclusionProof: {
        logIndex: '1',
        rootHash: Buffer.alloc(32).toString('base64'),
        treeSize: '2',
        hashes: [],
        checkpoint: { envelope: 'x' },
      },
      canonicalizedBody: Buffer.from('{}').toString('base64'),
    },
  ];
  const verified = verifySigstoreBundle({ bundle: JSON.stringify(json), expectedDigests: [image.digest], trustedKeys: [trustedKey] });
  assert.equal(verified.signerFingerprint, trustedKey.fingerprint);
});

void test('a referrer whose blob or manifest was altered in the mirror is refused', async () => {
  const image = fakeImage();
  const signed = bundleFor(image.digest, image.bytes);
  const source = new MemorySource();
  source.putArtifact(signed);
  source.addReferrer(image.digest, signed.descriptor);
  const layerDigest = JSON.parse(signed.manifest.toString()).layers[0].digest as string;
  source.blobs.set(layerDigest, Buffer.from(signed.bundle.toString().replace('"sig":"M', '"sig":"N')));
  await assert.rejects(verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest }), { reason: 'tampered' });
  source.manifests.set(signed.manifestDigest, Buffer.from(`${signed.manifest.toString()} `));
  await assert.rejects(verifyImageSignature({ source, trustedKeys: [trustedKey], manifestDigest: image.digest }), { reason: 'tampered' });
});
