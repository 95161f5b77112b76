import { generateKeyPairSync } from 'node:crypto';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyFingerprint, parseTrustedKeyPem, sigstoreHintForFingerprint } from '../../../src/trust/index';
import { trustedPrivatePem, trustedPublicPem } from './fixtures';
import { publicKeyHint } from '../../../samples/tools/sign';

function pemPair(type: 'ec' | 'rsa' | 'ed25519', options: object): string {
  const { publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

void test('a cosign.pub parses as ECDSA P-256 with a SHA-256 SPKI fingerprint', () => {
  const key = parseTrustedKeyPem(trustedPublicPem);
  assert.equal(key.algorithm, 'ecdsa-p256');
  assert.match(key.fingerprint, /^[a-f0-9]{64}$/);
  assert.equal(key.fingerprint, keyFingerprint(trustedPublicPem));
  assert.equal(key.fingerprint, '2d19b095637c1212c1fbe56b06fdff40cd856d586ad4421883876aaf7099e8e0');
});

void test('the sigstore hint is base64 of the fingerprint, as cosign 3 writes it', () => {
  const key = parseTrustedKeyPem(trustedPublicPem);
  assert.equal(sigstoreHintForFingerprint(key.fingerprint), publicKeyHint(trustedPrivatePem));
});

void test('RSA (2048+) and Ed25519 keys are accepted', () => {
  assert.equal(parseTrustedKeyPem(pemPair('rsa', { modulusLength: 2048 })).algorithm, 'rsa');
  assert.equal(parseTrustedKeyPem(pemPair('ed25519', {})).algorithm, 'ed25519');
  assert.equal(parseTrustedKeyPem(pemPair('ec', { namedCurve: 'secp384r1' })).algorithm, 'ecdsa-p384');
});

void test('weak RSA, odd curves, private keys, several keys and junk are INVALID_INPUT', () => {
  const cases: Array<[string, RegExp]> = [
    [pemPair('rsa', { modulusLength: 1024 }), /at least 2048 bits/],
    [pemPair('ec', { namedCurve: 'secp256k1' }), /curve/],
    [trustedPrivatePem, /private key/],
    [trustedPublicPem + trustedPublicPem, /exactly one "PUBLIC KEY"/],
    ['not a key', /exactly one "PUBLIC KEY"/],
    ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', /could not be read/],
    ['x'.repeat(17 * 1024), /larger than/],
  ];
  for (const [pem, message] of cases) {
    assert.throws(
      () => parseTrustedKeyPem(pem),
      (error: { code?: string; message: string }) => {
        assert.equal(error.code, 'INVALID_INPUT');
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /BEGIN/); // never echoes key material
        return true;
      },
    );
  }
});
