/**
 * The OpenSSH formats we write (src/vault/ssh-ca/format.ts), checked by Debian's ssh-keygen where it
 * is installed: a certificate it lists with our serial, principals and options; a private key file
 * from which it derives our public key; a KRL in which it finds exactly the revoked serials.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ed25519PublicBlob,
  keyRevocationList,
  opensshPrivateKey,
  parseCertificate,
  parsePublicKeyLine,
  publicKeyLine,
  readOpensshPrivateKey,
  userCertificate,
} from '../../../src/vault/ssh-ca/format';
import { ed25519Raw, seedSigner } from '../../../src/vault/ssh-ca/cas';
import { tempDir } from '../../helpers/core';

const sshKeygen = spawnSync('ssh-keygen', ['-?'], { encoding: 'utf8' }).error ? null : 'ssh-keygen';
const noKeygen = sshKeygen ? false : 'SKIP: ssh-keygen is not installed (apt-get install openssh-client)';

function seedOf() {
  const pair = generateKeyPairSync('ed25519');
  return { seed: pair.privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(-32), pub: ed25519Raw(pair.privateKey) };
}

function certFor(principals: string[], serial: bigint, critical: Record<string, string> = {}) {
  const ca = seedSigner(Buffer.from(seedOf().seed));
  const user = seedOf();
  const cert = userCertificate(
    {
      userKey: user.pub,
      serial,
      keyId: 'airgap-run:r-1:target',
      principals,
      validAfter: 1_800_000_000,
      validBefore: 1_800_000_600,
      critical,
    },
    ca,
  );
  return { ca, user, cert };
}

test('a certificate reads back with what was put in, and carries no extension unless asked', () => {
  const { ca, user, cert } = certFor(['deploy', 'ops'], 12345678901234567890n, {
    'source-address': '10.0.0.0/8',
    'force-command': '/usr/bin/uptime',
  });
  const parsed = parseCertificate(cert.line);
  assert.deepEqual(parsed.principals, ['deploy', 'ops']);
  assert.equal(parsed.serial, 12345678901234567890n);
  assert.equal(parsed.certType, 1);
  assert.ok(parsed.publicKey.equals(user.pub));
  assert.ok(parsed.caKey.equals(ca.publicBlob));
  assert.deepEqual(parsed.critical, { 'force-command': '/usr/bin/uptime', 'source-address': '10.0.0.0/8' });
  assert.deepEqual(parsed.extensions, {});
  assert.equal(parsed.validBefore - parsed.validAfter, 600n);
});

test('ssh-keygen lists our certificate: serial, principals, validity, critical options, the CA', { skip: noKeygen }, () => {
  const dir = tempDir();
  const { ca, cert } = certFor(['deploy'], 77n, { 'source-address': '10.1.2.0/24' });
  writeFileSync(join(dir, 'id-cert.pub'), `${cert.line}\n`);
  const r = spawnSync('ssh-keygen', ['-L', '-f', join(dir, 'id-cert.pub')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Type: ssh-ed25519-cert-v01@openssh.com user certificate/);
  assert.match(r.stdout, /Serial: 77/);
  assert.match(r.stdout, /Principals: \n\s+deploy\n/);
  assert.match(r.stdout, /source-address 10\.1\.2\.0\/24/);
  assert.match(r.stdout, /Extensions: \(none\)/);
  assert.ok(r.stdout.includes(publicKeyLine(ca.publicBlob, '').split(' ')[0]!));
});

test('our private key file is what ssh-keygen reads; reading it back gives the same seed', { skip: noKeygen }, () => {
  const dir = tempDir();
  const { seed, pub } = seedOf();
  const file = opensshPrivateKey(Buffer.from(seed), pub, 'airgap-run:test');
  writeFileSync(join(dir, 'id'), file, { mode: 0o600 });
  const r = spawnSync('ssh-keygen', ['-y', '-f', join(dir, 'id')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(parsePublicKeyLine(r.stdout).equals(ed25519PublicBlob(pub)));
  const back = readOpensshPrivateKey(file.toString('utf8'));
  assert.ok(back.seed.equals(seed));
  assert.equal(back.comment, 'airgap-run:test');
});

test('a passphrase-protected or non-ed25519 key is refused on import, with the reason', { skip: noKeygen }, () => {
  const dir = tempDir();
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', join(dir, 'locked')]);
  spawnSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', join(dir, 'ecdsa')]);
  assert.throws(() => readOpensshPrivateKey(readFileSync(join(dir, 'locked'), 'utf8')), /passphrase/);
  assert.throws(() => readOpensshPrivateKey(readFileSync(join(dir, 'ecdsa'), 'utf8')), /only ed25519/);
  assert.throws(() => readOpensshPrivateKey('nothing'), /not an OpenSSH private key/);
});

test('ssh-keygen -Q finds the revoked serials in our KRL, and only those', { skip: noKeygen }, () => {
  const dir = tempDir();
  const revoked = certFor(['deploy'], 1001n);
  const kept = userCertificate(
    { userKey: seedOf().pub, serial: 1002n, keyId: 'k', principals: ['deploy'], validAfter: 0, validBefore: 1_900_000_000 },
    revoked.ca,
  );
  const krl = keyRevocationList({
    version: 1n,
    generatedAt: 1_800_000_000,
    comment: 'test',
    cas: [{ caKey: revoked.ca.publicBlob, serials: [1001n, 5n] }],
  });
  writeFileSync(join(dir, 'krl'), krl);
  writeFileSync(join(dir, 'revoked-cert.pub'), `${revoked.cert.line}\n`);
  writeFileSync(join(dir, 'kept-cert.pub'), `${kept.line}\n`);
  const q = (f: string) => spawnSync('ssh-keygen', ['-Q', '-f', join(dir, 'krl'), join(dir, f)], { encoding: 'utf8' });
  const a = q('revoked-cert.pub');
  assert.equal(a.status, 1, `${a.stdout}${a.stderr}`);
  assert.match(a.stdout, /REVOKED/);
  const b = q('kept-cert.pub');
  assert.equal(b.status, 0, `${b.stdout}${b.stderr}`);
  assert.match(b.stdout, /ok/);
});
