// Keys on a PKCS#11 token (Debian's softhsm2, the token test/services.sh --remote made): the SSH CA
// key and the audit signing identity are made on the token and never leave it; certificates it signs
// are accepted by the real sshd target; an audit export signed on it passes `openssl cms -verify` and
// our verifier; a wrong PIN is refused, and after three the next try waits (our throttle).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from '../../../src/api/dispatcher';
import type { OpName, OpOutput } from '../../../src/api/contract';
import { verifyBundles } from '../../../src/audit/verify';
import { SshRunCredentials, openTokenKey, parseCertificate, storePinGuard } from '../../../src/vault';
import { tokenSshSigner } from '../../../src/vault/pkcs11';
import { addUser, initialisedCore, rejects } from '../../helpers/core';
import { openssl, opensslVerifyManifest } from '../../unit/audit/openssl';
import { unique } from '../runner/fixture';
import { hostSignIn } from './ssh-image';

const env = process.env;
const skip =
  !env.AIRGAP_TEST_PKCS11_MODULE || !env.SOFTHSM2_CONF
    ? 'SKIP: no softhsm2 token (AIRGAP_TEST_PKCS11_*): start test/services.sh --remote'
    : false;

function dropLines(file: string, lines: readonly string[]): void {
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !lines.includes(l));
  writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
}

describe('keys on a PKCS#11 token (softhsm2)', { skip }, () => {
  let core: Awaited<ReturnType<typeof initialisedCore>>;
  const module = env.AIRGAP_TEST_PKCS11_MODULE!;
  const token = env.AIRGAP_TEST_PKCS11_TOKEN!;
  const pin = env.AIRGAP_TEST_PKCS11_PIN!;
  const caLabel = unique('ssh-ca');
  const auditLabel = unique('audit');
  const written: string[] = [];
  let call: <N extends OpName>(name: N, input?: unknown) => Promise<OpOutput<N>>;

  before(async () => {
    core = await initialisedCore({ start: new Date() });
    call = (name, input = {}) => dispatch(core.core, core.admin, name, input);
  });
  after(async () => {
    if (env.AIRGAP_TEST_TARGET_CA_KEYS) dropLines(env.AIRGAP_TEST_TARGET_CA_KEYS, written);
    await core?.cleanup();
  });

  test('a wrong PIN is refused, and after three wrong PINs the next try waits, even with the right PIN', async () => {
    const input = { name: 'throttled', module, token, keyLabel: unique('nope'), pin: '00000000' };
    // INVALID_INPUT, not UNAUTHENTICATED: a wrong PIN must not end the caller's session.
    for (let i = 1; i <= 3; i++) assert.match(await rejects(call('sshCa.addToken', input), 'INVALID_INPUT'), /Wrong PIN/);
    await call('auth.whoami');
    const locked = await rejects(call('sshCa.addToken', { ...input, pin }), 'LOCKED');
    assert.match(locked, /next try is possible in \d+ s/);
    // The refusal did not reach the token: no key was made under that label.
    core.clock.advance(6000);
    assert.match(await rejects(call('sshCa.addToken', input), 'INVALID_INPUT'), /waits 10 s/);
    await rejects(call('sshCa.addToken', { ...input, pin }), 'LOCKED');
    core.clock.advance(11_000);
    // The right PIN now: logged in; the label has no key (and nothing was generated), which clears the count.
    await rejects(call('sshCa.addToken', { ...input, pin }), 'NOT_FOUND');
    assert.deepEqual(core.core.store.db.prepare('SELECT COUNT(*) AS n FROM token_pin_failures').get(), { n: 0 });
  });

  test('an SSH CA key made on the token signs per-run certificates the real sshd accepts; the key is not extractable', async (t) => {
    const ca = await call('sshCa.addToken', { name: 'token-ca', module, token, keyLabel: caLabel, generateKey: true, pin });
    assert.equal(ca.storage, 'pkcs11');
    assert.equal(ca.keyType, 'ecdsa-sha2-nistp256');
    assert.deepEqual(ca.token, { module, token, keyLabel: caLabel });
    await rejects(call('sshCa.addToken', { name: 'again', module, token, keyLabel: caLabel, generateKey: true, pin }), 'CONFLICT');
    // The token's own tool: the private key is sensitive and never extractable.
    const listed = spawnSync(
      'pkcs11-tool',
      ['--module', module, '--token-label', token, '--login', '--pin', pin, '--list-objects', '--type', 'privkey'],
      {
        encoding: 'utf8',
      },
    );
    if (listed.status === 0) {
      const block = listed.stdout.split(/\n(?=Private Key Object)/).find((b) => b.includes(caLabel)) ?? '';
      assert.match(block, /never extractable|Access:.*sensitive/);
    }
    await call('sshCa.allow', { kind: 'bundle', subject: 'b1', principals: ['tokenuser'] });
    const db = core.core.store.db;
    const vaultKey = core.core.sessions.all().find((s) => s.id === core.admin)!.keyring.vault;
    const guard = storePinGuard(db, () => core.clock.now());
    await assert.rejects(
      async () =>
        SshRunCredentials.prepare(db, {
          bundle: 'b1',
          tags: [],
          decls: [{ type: 'ssh-certificate', name: 'k', principals: ['tokenuser'] }],
          vaultKey,
        }),
      /on a PKCS#11 token: give its PIN/,
    );
    const creds = SshRunCredentials.prepare(db, {
      bundle: 'b1',
      tags: [],
      decls: [{ type: 'ssh-certificate', name: 'k', principals: ['tokenuser'] }],
      vaultKey,
      openToken: (c) => tokenSshSigner(openTokenKey(c.token!, pin, guard)),
    })!;
    const now = new Date();
    const { files } = db.transaction(() => creds.issue(db, 'token-run', now, new Date(now.getTime() + 60_000)))();
    const cert = parseCertificate(files.get('k-cert.pub')!.toString());
    assert.deepEqual(cert.principals, ['tokenuser']);
    assert.equal(cert.caKey.subarray(4, 23).toString(), 'ecdsa-sha2-nistp256');
    if (!env.AIRGAP_TEST_TARGET_SSH_FROM_HOST) return t.skip('SKIP: no SSH target to sign in to (test/services.sh --remote)');
    appendFileSync(env.AIRGAP_TEST_TARGET_CA_KEYS!, `${ca.publicKey}\n`);
    written.push(ca.publicKey);
    const principals = join(env.AIRGAP_TEST_TARGET_PRINCIPALS_DIR!, 'root');
    appendFileSync(principals, 'tokenuser\n');
    const dir = mkdtempSync(join(tmpdir(), 'token-ssh-'));
    try {
      const hostKey = readFileSync(env.AIRGAP_TEST_TARGET_HOSTKEY!, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
      const host = env.AIRGAP_TEST_TARGET_SSH_FROM_HOST;
      const r = hostSignIn({ dir, host, hostKey, key: files.get('k')!, cert: files.get('k-cert.pub')! })();
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /airgap-target: signed in as root/);
    } finally {
      dropLines(principals, ['tokenuser']);
      for (const v of files.values()) v.fill(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the audit identity on the token: an export signed there passes openssl cms -verify and our verifier; no PIN, no export', async () => {
    const shown = await call('audit.identityReplace', { pkcs11: { module, token, keyLabel: auditLabel }, generateKey: true, pin });
    assert.equal(shown.keyType, 'ec');
    const auditor = await addUser(core.core, core.admin, 'auditor1', ['auditor']);
    const exportAs = (input: Record<string, unknown>) => dispatch(core.core, auditor.session, 'audit.export', input);
    const dir = mkdtempSync(join(tmpdir(), 'token-export-'));
    try {
      await rejects(exportAs({ outPath: join(dir, 'nopin.tar.gz') }), 'INVALID_INPUT');
      await rejects(exportAs({ outPath: join(dir, 'wrong.tar.gz'), pin: '99999999' }), 'INVALID_INPUT');
      const out = join(dir, 'export.tar.gz');
      await exportAs({ outPath: out, pin });
      const report = await verifyBundles([out]);
      assert.equal(report.ok, true, report.firstProblem ?? '');
      const unpacked = join(dir, 'unpacked');
      mkdirSync(unpacked);
      assert.equal(spawnSync('tar', ['-xzf', out, '-C', unpacked]).status, 0);
      writeFileSync(join(unpacked, 'cert.pem'), shown.certPem);
      const verified = opensslVerifyManifest(unpacked);
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stderr, /Verification successful/);
      assert.match(openssl(['x509', '-in', 'cert.pem', '-noout', '-text'], { cwd: unpacked }), /ecdsa-with-SHA256/);
      // Nothing of the PIN in the store or the audit trail.
      const dump = JSON.stringify(core.core.store.db.prepare('SELECT * FROM audit_events').all());
      assert.ok(!dump.includes(pin), 'the PIN is not in the audit trail');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
