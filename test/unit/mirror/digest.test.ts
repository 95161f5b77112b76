import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDigest, parseDigest, referrersTagFor, sha256Digest, signatureTagFor, tagKind } from '../../../src/oci';
import { ApiError } from '../../../src/kernel';

const HEX = 'a'.repeat(64);

test('accepts only canonical sha256 digests', () => {
  assert.equal(parseDigest(`sha256:${HEX}`).hex, HEX);
  for (const bad of [
    `sha256:${HEX.toUpperCase()}`,
    `sha256:${HEX}0`,
    `sha256:${HEX.slice(1)}`,
    `sha512:${HEX}${HEX}`,
    `SHA256:${HEX}`,
    ` sha256:${HEX}`,
    `sha256:${HEX}\n`,
    `sha256:../../${HEX.slice(6)}`,
    '',
  ]) {
    assert.equal(isDigest(bad), false, bad);
    assert.throws(
      () => parseDigest(bad),
      (e: unknown) => e instanceof ApiError && e.code === 'INVALID_INPUT',
    );
  }
});

test('digest of bytes and the cosign tags derived from it', () => {
  const digest = sha256Digest('');
  assert.equal(digest, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(signatureTagFor(digest), 'sha256-e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.sig');
  assert.equal(referrersTagFor(digest), 'sha256-e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('an over-long bad digest is cut in the message', () => {
  assert.throws(
    () => parseDigest('x'.repeat(500)),
    (e: unknown) => e instanceof ApiError && e.message.length < 300,
  );
});

test("tagKind tells a mirror's images from cosign's artefacts and the referrers fallback tag", () => {
  const digest = `sha256:${HEX}`;
  assert.equal(tagKind(signatureTagFor(digest)), 'signature');
  assert.equal(tagKind(`sha256-${HEX}.att`), 'attestation');
  assert.equal(tagKind(`sha256-${HEX}.sbom`), 'sbom');
  assert.equal(tagKind(referrersTagFor(digest)), 'referrers');
  for (const image of ['1.0.0', 'latest', `sha256-${HEX.slice(1)}.sig`, `sha256-${HEX}.sig.old`, `v1-sha256-${HEX}.sig`])
    assert.equal(tagKind(image), 'image', image);
});
