/** Detached CMS signatures: our signer, our pure-JS verifier, and openssl on either side. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDetached, verifyDetached } from '../../../src/audit/cms';
import { generateIdentity, importPkcs12, type SigningIdentity } from '../../../src/audit/identity';
import { identityReplacementDetails } from '../../../src/audit/rotation';
import { pemToDer } from '../../../src/audit/x509';
import { openssl, opensslMissing, opensslResult } from './openssl';

const content = Buffer.from('{"exportId":"e-1","files":[]}');
const ids: Record<string, Promise<SigningIdentity>> = {
  rsa: generateIdentity({ kind: 'rsa', commonName: 'CMS RSA', workstationId: 'ws-cms' }),
  ec: generateIdentity({ kind: 'ec', commonName: 'CMS EC', workstationId: 'ws-cms' }),
  other: generateIdentity({ kind: 'ec', commonName: 'Other', workstationId: 'ws-other' }),
};

for (const kind of ['rsa', 'ec'] as const) {
  test(`${kind.toUpperCase()}: a detached signature round-trips and names its signer`, async () => {
    const id = await ids[kind]!;
    const when = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
    const p7s = signDetached(content, id, { signingTime: when });
    const result = verifyDetached(p7s, content, { caPem: id.certPem });
    assert.equal(result.ok, true, result.reason);
    assert.equal(result.fingerprint, id.fingerprint);
    assert.equal(result.trusted, true);
    assert.equal(result.signingTime, when.toISOString());
    assert.match(result.subject!, /^CN=CMS /);
    assert.equal(verifyDetached(p7s, content).trusted, null, 'no CA given: trust not judged');
    const early = verifyDetached(signDetached(content, id, { signingTime: new Date('2000-01-01T00:00:00Z') }), content);
    assert.equal(early.ok, false);
    assert.match(early.reason!, /not valid at the signing time/);
  });

  test(`${kind.toUpperCase()}: altered content, signature or CA are each refused with a reason`, async () => {
    const id = await ids[kind]!;
    const other = await ids.other!;
    const p7s = signDetached(content, id);
    const changed = verifyDetached(p7s, Buffer.from(`${content.toString()} `));
    assert.equal(changed.ok, false);
    assert.equal(changed.failure, 'signature');
    assert.match(changed.reason!, /digest does not match/);

    const flipped = Buffer.from(p7s);
    flipped[flipped.length - 3]! ^= 0x01;
    const bad = verifyDetached(flipped, content);
    assert.equal(bad.ok, false);
    assert.equal(bad.failure, 'signature');

    const untrusted = verifyDetached(p7s, content, { caPem: other.certPem });
    assert.equal(untrusted.ok, false);
    assert.equal(untrusted.failure, 'untrusted');
    assert.equal(untrusted.fingerprint, id.fingerprint, 'the signer is still reported');

    assert.equal(verifyDetached(Buffer.from('garbage'), content).failure, 'signature');
    assert.equal(verifyDetached(p7s.subarray(0, p7s.length - 10), content).ok, false);
  });

  test(`${kind.toUpperCase()}: openssl cms -verify accepts our signature, and we accept openssl's`, { skip: opensslMissing }, async () => {
    const id = await ids[kind]!;
    const dir = mkdtempSync(join(tmpdir(), 'audit-cms-'));
    try {
      writeFileSync(join(dir, 'content.json'), content);
      writeFileSync(join(dir, 'cert.pem'), id.certPem);
      writeFileSync(join(dir, 'key.pem'), id.keyPem);
      writeFileSync(join(dir, 'ours.p7s'), signDetached(content, id));
      const verified = opensslResult(
        [
          'cms',
          '-verify',
          '-binary',
          '-inform',
          'DER',
          '-in',
          'ours.p7s',
          '-content',
          'content.json',
          '-CAfile',
          'cert.pem',
          '-out',
          '/dev/null',
        ],
        dir,
      );
      assert.equal(verified.status, 0, verified.stderr);
      openssl(
        [
          'cms',
          '-sign',
          '-binary',
          '-in',
          'content.json',
          '-signer',
          'cert.pem',
          '-inkey',
          'key.pem',
          '-outform',
          'DER',
          '-out',
          'theirs.p7s',
        ],
        { cwd: dir },
      );
      const theirs = verifyDetached(readFileSync(join(dir, 'theirs.p7s')), content, { caPem: id.certPem });
      assert.equal(theirs.ok, true, theirs.reason);
      assert.equal(theirs.fingerprint, id.fingerprint);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a CA-issued signer chains to the CA; an unrelated CA does not vouch for it', { skip: opensslMissing }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-cms-ca-'));
  try {
    const run = (args: string[]): string => openssl(args, { cwd: dir });
    writeFileSync(
      join(dir, 'ca.cnf'),
      '[req]\ndistinguished_name=dn\n[dn]\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n',
    );
    writeFileSync(
      join(dir, 'leaf.cnf'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n',
    );
    run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '30',
      '-subj',
      '/CN=Audit CA',
      '-config',
      'ca.cnf',
      '-extensions',
      'ca',
    ]);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=workstation']);
    run([
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.pem',
      '-days',
      '30',
      '-extfile',
      'leaf.cnf',
    ]);
    run(['pkcs12', '-export', '-in', 'leaf.pem', '-inkey', 'leaf.key', '-certfile', 'ca.pem', '-out', 'leaf.p12', '-passout', 'pass:pw']);
    const id = importPkcs12(readFileSync(join(dir, 'leaf.p12')), 'pw');
    const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const p7s = signDetached(content, id);
    assert.equal(verifyDetached(p7s, content, { caPem }).trusted, true);
    assert.equal(verifyDetached(p7s, content, { caPem: id.certPem }).trusted, true, 'the signer itself as anchor');
    assert.equal(verifyDetached(p7s, content, { caPem: (await ids.other!).certPem }).failure, 'untrusted');
    writeFileSync(join(dir, 'content.json'), content);
    writeFileSync(join(dir, 'sig.p7s'), p7s);
    const verified = opensslResult(
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        'sig.p7s',
        '-content',
        'content.json',
        '-CAfile',
        'ca.pem',
        '-out',
        '/dev/null',
      ],
      dir,
    );
    assert.equal(verified.status, 0, verified.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an identity replacement is endorsed by the old identity', async () => {
  const old = await ids.ec!;
  const next = await ids.rsa!;
  const details = identityReplacementDetails(next.certPem, old);
  assert.equal(details.fingerprint, next.fingerprint);
  assert.equal(details.previousFingerprint, old.fingerprint);
  const check = verifyDetached(Buffer.from(details.endorsement, 'base64'), pemToDer(next.certPem));
  assert.equal(check.ok, true);
  assert.equal(check.fingerprint, old.fingerprint);
});
