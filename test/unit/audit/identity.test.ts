/** The audit signing identity: generated RSA/EC certificates, PKCS#12 import (made by openssl), descriptions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { ApiError } from '../../../src/kernel';
import { describeIdentity, generateIdentity, importPkcs12, keyMatchesCertificate, type SigningIdentity } from '../../../src/audit/identity';
import { extendedKeyUsage, keyUsageBits, parseCertificate, pemToDer } from '../../../src/audit/x509';
import { openssl, opensslMissing } from './openssl';

const identities = new Map<string, Promise<SigningIdentity>>();
function identity(kind: 'rsa' | 'ec'): Promise<SigningIdentity> {
  if (!identities.has(kind)) identities.set(kind, generateIdentity({ kind, commonName: `Audit ${kind}`, workstationId: 'ws-42' }));
  return identities.get(kind)!;
}

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'audit-identity-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of ['rsa', 'ec'] as const) {
  test(`a generated ${kind.toUpperCase()} identity is a self-signed certificate fit for CMS signing`, async () => {
    const id = await identity(kind);
    const cert = new X509Certificate(id.certPem);
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.equal(id.fingerprint, cert.fingerprint256, 'fingerprint is SHA-256 of the DER, colon hex');
    assert.ok(keyMatchesCertificate(id.certPem, id.keyPem));
    assert.match(id.keyPem, /^-----BEGIN PRIVATE KEY-----/, 'PKCS#8');
    assert.deepEqual(id.chainPem, []);
    const parsed = parseCertificate(pemToDer(id.certPem));
    assert.deepEqual([...keyUsageBits(parsed)!].sort(), [0, 1], 'digitalSignature + nonRepudiation');
    assert.equal(parsed.extensions.get('2.5.29.15')!.critical, true, 'key usage is critical');
    assert.deepEqual(extendedKeyUsage(parsed), ['1.3.6.1.5.5.7.3.4'], 'emailProtection');
    assert.equal(parsed.extensions.get('2.5.29.19')!.critical, true, 'basicConstraints is critical');
    assert.equal(cert.ca, false);

    const description = describeIdentity(id.certPem);
    assert.equal(description.subject, `CN=Audit ${kind}, O=Airgap Runner, OU=workstation ws-42`);
    assert.equal(description.issuer, description.subject);
    assert.equal(description.keyType, kind);
    assert.equal(description.keyLabel, kind === 'rsa' ? 'RSA-3072' : 'EC P-256');
    assert.equal(description.selfSigned, true);
    assert.equal(description.unfitForSigning, null);
    assert.equal(description.fingerprint, id.fingerprint);
    const years = (Date.parse(description.notAfter) - Date.parse(description.notBefore)) / (365.25 * 86_400_000);
    assert.ok(years > 9.9 && years < 10.1, `valid about ten years, got ${years}`);
  });

  test(
    `an ${kind.toUpperCase()} identity exported by openssl pkcs12 imports with the same certificate and key`,
    { skip: opensslMissing },
    async () => {
      const id = await identity(kind);
      withTemp((dir) => {
        writeFileSync(join(dir, 'cert.pem'), id.certPem);
        writeFileSync(join(dir, 'key.pem'), id.keyPem);
        for (const legacy of [false, true]) {
          const file = join(dir, legacy ? 'legacy.p12' : 'modern.p12');
          openssl(
            [
              'pkcs12',
              '-export',
              ...(legacy ? ['-legacy'] : []),
              '-in',
              'cert.pem',
              '-inkey',
              'key.pem',
              '-out',
              file,
              '-passout',
              'pass:correct horse',
            ],
            { cwd: dir },
          );
          const imported = importPkcs12(readFileSync(file), 'correct horse');
          assert.equal(imported.fingerprint, id.fingerprint, legacy ? 'legacy 3DES/RC2 file' : 'AES-256/PBKDF2 file');
          assert.equal(imported.certPem, id.certPem);
          assert.ok(keyMatchesCertificate(imported.certPem, imported.keyPem));
          assert.throws(
            () => importPkcs12(readFileSync(file), 'wrong'),
            (error: unknown) => error instanceof ApiError && error.code === 'INVALID_INPUT' && /password is wrong/.test(error.message),
          );
        }
      });
    },
  );
}

test('PKCS#12 import refuses a certificate that does not belong to the key', async () => {
  const rsa = await identity('rsa');
  const other = await generateIdentity({ kind: 'rsa', commonName: 'Someone else', workstationId: 'ws-9' });
  const p12 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(rsa.keyPem), [forge.pki.certificateFromPem(other.certPem)], 'pw', {
    algorithm: '3des',
  });
  const der = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
  assert.throws(
    () => importPkcs12(der, 'pw'),
    (error: unknown) =>
      error instanceof ApiError && error.code === 'INVALID_INPUT' && /does not belong to its private key/.test(error.message),
  );
  assert.equal(keyMatchesCertificate(other.certPem, rsa.keyPem), false);
});

test('PKCS#12 import refuses garbage with a message that says what to do', () => {
  assert.throws(
    () => importPkcs12(Buffer.from('not a pfx at all'), 'pw'),
    (error: unknown) => error instanceof ApiError && error.code === 'INVALID_INPUT' && /openssl pkcs12 -export/.test(error.message),
  );
});

test('a CA-issued EC identity with its chain imports, and a codeSigning-only certificate is refused', { skip: opensslMissing }, () => {
  withTemp((dir) => {
    const run = (args: string[]): string => openssl(args, { cwd: dir });
    writeFileSync(
      join(dir, 'ca.cnf'),
      '[req]\ndistinguished_name=dn\n[dn]\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n',
    );
    writeFileSync(
      join(dir, 'leaf.cnf'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n',
    );
    writeFileSync(
      join(dir, 'code.cnf'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n',
    );
    run([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '30',
      '-subj',
      '/CN=Site Audit CA',
      '-config',
      'ca.cnf',
      '-extensions',
      'ca',
    ]);
    for (const name of ['leaf', 'code']) {
      run([
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${name}`,
      ]);
      run([
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '30',
        '-extfile',
        `${name}.cnf`,
      ]);
      run([
        'pkcs12',
        '-export',
        '-in',
        `${name}.pem`,
        '-inkey',
        `${name}.key`,
        '-certfile',
        'ca.pem',
        '-out',
        `${name}.p12`,
        '-passout',
        'pass:pw',
      ]);
    }
    const imported = importPkcs12(readFileSync(join(dir, 'leaf.p12')), 'pw');
    assert.equal(imported.chainPem.length, 1);
    assert.equal(new X509Certificate(imported.chainPem[0]!).subject, 'CN=Site Audit CA');
    const description = describeIdentity(imported.certPem);
    assert.equal(description.selfSigned, false);
    assert.equal(description.issuer, 'CN=Site Audit CA');
    assert.throws(
      () => importPkcs12(readFileSync(join(dir, 'code.p12')), 'pw'),
      (error: unknown) => error instanceof ApiError && /emailProtection/.test(error.message),
    );
  });
});

test('generateIdentity checks its input', async () => {
  await assert.rejects(
    generateIdentity({ kind: 'ec', commonName: '', workstationId: 'w' }),
    (error: unknown) => error instanceof ApiError && error.code === 'INVALID_INPUT',
  );
  await assert.rejects(generateIdentity({ kind: 'dsa' as 'ec', commonName: 'x', workstationId: 'w' }), /Unknown key kind/);
  assert.throws(() => describeIdentity('nope'), /not a PEM certificate/);
});
