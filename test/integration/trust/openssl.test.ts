/**
 * openssl as an independent verifier: what the sample tooling signs (and the product accepts) is a
 * plain ECDSA P-256/SHA-256 signature over the exact payload bytes (classic) or the DSSE
 * pre-authentication encoding (bundle), checkable without any of our code.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signBundle, signClassic, sha256Digest } from '../../../samples/tools/sign';

const publicKey = fileURLToPath(new URL('../../../samples/keys/cosign.pub', import.meta.url));
const untrustedPublicKey = fileURLToPath(new URL('../../../samples/keys/untrusted.pub', import.meta.url));
const privateKeyPem = readFileSync(fileURLToPath(new URL('../../../samples/keys/cosign.key', import.meta.url)), 'utf8');
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const digest = sha256Digest('an image manifest');

function opensslVerifies(key: string, data: Buffer, signature: Buffer): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'airgap-openssl-'));
  try {
    writeFileSync(join(dir, 'data'), data);
    writeFileSync(join(dir, 'sig'), signature);
    const result = spawnSync('openssl', ['dgst', '-sha256', '-verify', key, '-signature', join(dir, 'sig'), join(dir, 'data')]);
    return result.status === 0 && result.stdout.toString().includes('Verified OK');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void test('openssl verifies a classic simple-signing signature', { skip: hasOpenssl ? false : 'openssl is not installed' }, () => {
  const sig = signClassic({ manifestDigest: digest, dockerReference: 'localhost:5000/bundles/x', privateKeyPem });
  const der = Buffer.from(sig.signature, 'base64');
  assert.equal(opensslVerifies(publicKey, sig.payload, der), true);
  assert.equal(opensslVerifies(untrustedPublicKey, sig.payload, der), false);
  assert.equal(opensslVerifies(publicKey, Buffer.concat([sig.payload, Buffer.from(' ')]), der), false);
});

void test('openssl verifies the DSSE signature inside a cosign 3 bundle', { skip: hasOpenssl ? false : 'openssl is not installed' }, () => {
  const signed = signBundle({
    manifestDigest: digest,
    manifestSize: 17,
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    privateKeyPem,
  });
  const envelope = JSON.parse(signed.bundle.toString()).dsseEnvelope;
  const payload = Buffer.from(envelope.payload, 'base64');
  const type = envelope.payloadType as string;
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
  assert.equal(opensslVerifies(publicKey, pae, Buffer.from(envelope.signatures[0].sig, 'base64')), true);
});
