/**
 * Audit export through the core: an auditor exports the chain from the encrypted store, openssl
 * accepts the signature, the verifier checks continuity across exports and an identity change,
 * confirmation gates pruning, and the chain stays checkable after pruning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dispatch } from '../../../src/api/dispatcher';
import { ADMIN_PASSWORD, addUser, initialisedCore, rejects, signIn, tempDir } from '../../helpers/core';

const OPENSSL = '/usr/bin/openssl';

function untar(bundle: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('tar', ['-xzf', bundle, '-C', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

async function setup() {
  // openssl checks certificates against the real time: start the test clock an hour ago.
  const env = await initialisedCore({ start: new Date(Date.now() - 3600 * 1000) });
  const auditor = await addUser(env.core, env.admin, 'auditor1', ['auditor']);
  const aud = (await dispatch(env.core, null, 'auth.signIn', { name: 'auditor1', password: auditor.password })).sessionId;
  for (let i = 0; i < 5; i++) await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: `hall ${i}` });
  return { env, aud };
}

test('an auditor exports; openssl cms -verify accepts the signature without purpose overrides; the verifier passes', async (t) => {
  const { env, aud } = await setup();
  const dir = tempDir();
  const out = join(dir, 'first.tar.gz');
  const exported = await dispatch(env.core, aud, 'audit.export', { outPath: out });
  assert.equal(exported.firstSeq, 1);
  assert.ok(exported.lastSeq > 10);
  assert.deepEqual(readdirSync(dir), ['first.tar.gz'], 'nothing else left in the folder');

  const verified = await dispatch(env.core, null, 'audit.verify', { paths: [out] });
  assert.equal(verified.ok, true, verified.firstProblem ?? '');

  if (!existsSync(OPENSSL)) {
    t.diagnostic('SKIP openssl check: /usr/bin/openssl is not installed on this machine');
  } else {
    const x = join(dir, 'x');
    untar(out, x);
    const cert = join(dir, 'cert.pem');
    writeFileSync(cert, (await dispatch(env.core, aud, 'audit.identity', {})).certPem);
    const r = spawnSync(
      OPENSSL,
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        join(x, 'manifest.json.p7s'),
        '-content',
        join(x, 'manifest.json'),
        '-CAfile',
        cert,
        '-out',
        '/dev/null',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Verification successful/);
  }

  // Nothing new: a second export right away is refused; the export itself is the next event.
  const second = join(dir, 'second.tar.gz');
  const next = await dispatch(env.core, aud, 'audit.export', { outPath: second });
  assert.equal(next.firstSeq, exported.lastSeq + 1);
  assert.equal(next.previousId, exported.id);
  const both = await dispatch(env.core, null, 'audit.verify', { paths: [second, out] });
  assert.equal(both.ok, true, both.firstProblem ?? '');
  await env.cleanup();
});

test('only the auditor exports; an admin or viewer is refused; a file is never overwritten', async () => {
  const { env, aud } = await setup();
  const dir = tempDir();
  await rejects(dispatch(env.core, env.admin, 'audit.export', { outPath: join(dir, 'a.tar.gz') }), 'FORBIDDEN');
  writeFileSync(join(dir, 'taken.tar.gz'), 'keep');
  await rejects(dispatch(env.core, aud, 'audit.export', { outPath: join(dir, 'taken.tar.gz') }), 'CONFLICT');
  await env.cleanup();
});

test('replacing the identity (RSA) is endorsed by the old one; bundles signed before and after verify together', async () => {
  const { env, aud } = await setup();
  const dir = tempDir();
  const before = await dispatch(env.core, aud, 'audit.identity', {});
  await dispatch(env.core, aud, 'audit.export', { outPath: join(dir, '1.tar.gz') });
  const replaced = await dispatch(env.core, env.admin, 'audit.identityReplace', { generate: 'rsa' });
  assert.notEqual(replaced.fingerprint, before.fingerprint);
  assert.equal(replaced.keyType, 'rsa');
  await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: 'after' });
  await dispatch(env.core, aud, 'audit.export', { outPath: join(dir, '2.tar.gz') });
  const report = await dispatch(env.core, null, 'audit.verify', { paths: [join(dir, '1.tar.gz'), join(dir, '2.tar.gz')] });
  assert.equal(report.ok, true, report.firstProblem ?? '');
  if (existsSync(OPENSSL)) {
    const x = join(dir, 'x2');
    untar(join(dir, '2.tar.gz'), x);
    writeFileSync(join(dir, 'rsa.pem'), replaced.certPem);
    const r = spawnSync(
      OPENSSL,
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        join(x, 'manifest.json.p7s'),
        '-content',
        join(x, 'manifest.json'),
        '-CAfile',
        join(dir, 'rsa.pem'),
        '-out',
        '/dev/null',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
  }
  await env.cleanup();
});

test('pruning needs a confirmed export, then the chain still checks out from the anchor', async () => {
  const { env, aud } = await setup();
  const dir = tempDir();
  const exp = await dispatch(env.core, aud, 'audit.export', { outPath: join(dir, 'e.tar.gz') });
  await rejects(dispatch(env.core, aud, 'audit.prune', { throughSeq: exp.lastSeq }), 'POLICY_DENIED');
  await dispatch(env.core, aud, 'audit.confirm', { exportId: exp.id });
  await rejects(dispatch(env.core, aud, 'audit.prune', { throughSeq: exp.lastSeq + 5 }), 'POLICY_DENIED');
  const pruned = await dispatch(env.core, aud, 'audit.prune', { throughSeq: exp.lastSeq });
  assert.equal(pruned.deleted, exp.lastSeq);
  const check = await dispatch(env.core, aud, 'audit.check', {});
  assert.equal(check.ok, true, check.problem ?? '');
  // The next export continues from the pruned chain and verifies with the first.
  await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: 'post-prune' });
  await dispatch(env.core, aud, 'audit.export', { outPath: join(dir, 'f.tar.gz') });
  const report = await dispatch(env.core, null, 'audit.verify', { paths: [join(dir, 'e.tar.gz'), join(dir, 'f.tar.gz')] });
  assert.equal(report.ok, true, report.firstProblem ?? '');
  await env.cleanup();
});

test('a redacted export (details replaced through the hook) still verifies', async () => {
  const { env, aud } = await setup();
  const out = join(tempDir(), 'r.tar.gz');
  const exp = await dispatch(env.core, aud, 'audit.export', { outPath: out, redact: 'drop-details' });
  assert.equal(exp.redaction, 'drop-details/1');
  const report = await dispatch(env.core, null, 'audit.verify', { paths: [out] });
  assert.equal(report.ok, true, report.firstProblem ?? '');
  await rejects(
    dispatch(env.core, aud, 'audit.export', { outPath: join(tempDir(), 'x.tar.gz'), redact: 'no-such-rules' }),
    'INVALID_INPUT',
  );
  await env.cleanup();
});

test('the dashboard status says when an export is overdue', async () => {
  const { env } = await setup();
  const s0 = await dispatch(env.core, env.admin, 'audit.status', {});
  assert.equal(s0.overdue, false);
  env.clock.advance(8 * 24 * 3600 * 1000);
  // Eight idle days end every session: sign in again.
  const admin = await signIn(env.core, 'admin', ADMIN_PASSWORD);
  const s1 = await dispatch(env.core, admin, 'audit.status', {});
  assert.equal(s1.overdue, true);
  const auditor = await signIn(env.core, 'auditor1', 'auditor1-password-123');
  await dispatch(env.core, auditor, 'audit.export', { outPath: join(tempDir(), 'o.tar.gz') });
  const s2 = await dispatch(env.core, admin, 'audit.status', {});
  assert.equal(s2.overdue, false);
  assert.ok(s2.lastExport);
  await env.cleanup();
});

test('an event whose actor, action or target holds a lone surrogate is sealed as the store keeps it: the chain checks and the export verifies', async () => {
  const { env, aud } = await setup();
  const lone = 'half \ud800 pair';
  for (const field of ['actor', 'action', 'target'] as const) {
    const event = { actor: 'user:alice', action: 'test.surrogate', target: 'run:1', outcome: 'success' as const, details: { note: lone } };
    env.core.transact(() => undefined, { ...event, [field]: lone });
  }
  const rows = env.core.store.db
    .prepare(
      "SELECT actor, action, target, details FROM audit_events WHERE action LIKE 'half%' OR actor LIKE 'half%' OR target LIKE 'half%'",
    )
    .all() as Array<{ actor: string; action: string; target: string | null; details: string }>;
  assert.equal(rows.length, 3);
  const stored = [rows[0]!.actor, rows[1]!.action, rows[2]!.target];
  assert.deepEqual(stored, ['half \ufffd pair', 'half \ufffd pair', 'half \ufffd pair'], 'kept as U+FFFD');
  assert.ok(
    rows.every((r) => r.details.includes('\\ud800')),
    'the details keep the escape',
  );
  const check = await dispatch(env.core, env.admin, 'store.check', {});
  assert.equal(check.ok, true, check.chain);
  const out = join(tempDir(), 'surrogates.tar.gz');
  await dispatch(env.core, aud, 'audit.export', { outPath: out });
  const verified = await dispatch(env.core, null, 'audit.verify', { paths: [out] });
  assert.equal(verified.ok, true, verified.firstProblem ?? '');
  await env.cleanup();
});
