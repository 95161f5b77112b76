/**
 * The corpus through every egress path of a real store (issue 8, "must show"): a run whose log,
 * issues and report carry one example of every detector, the vault's values (and base64) and the
 * run's sensitive configuration value goes out through `runs export` (the real CLI and the API),
 * `redact preview` (CLI) and `audit export --redact default` (the bundle read back); none of the
 * seeded values comes out, pseudonyms are the same in two exports, and the reverse map restores them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dispatch } from '../../../src/api/dispatcher';
import { insertBundle } from '../../../src/bundles/catalog';
import { RunRecords } from '../../../src/runner/records';
import { unmapPseudonyms } from '../../../src/egress';
import { addUser, initialisedCore, rejects, signIn, tempDir } from '../../helpers/core';
import { cli } from '../../helpers/cli';
import { sampleBundle } from '../../helpers/bundles';
import { SEEDED, SENSITIVE_VALUES, SITE_DOMAINS, SITE_PATTERN, VAULT_VALUES, leaks, seededLog } from '../../unit/redact/seeded';

const RUN_ID = 'r-seeded0001';
const NOW = '2026-11-26T08:00:00.000Z';

async function setup() {
  // openssl and the audit identity want a clock near the real time.
  const env = await initialisedCore({ start: new Date(Date.now() - 3600 * 1000) });
  const op = await addUser(env.core, env.admin, 'op1', ['operator']);
  const auditor = await addUser(env.core, env.admin, 'aud1', ['auditor']);
  const opSession = await signIn(env.core, 'op1', op.password);
  await dispatch(env.core, env.admin, 'settings.set', { key: 'redact.siteDomains', value: SITE_DOMAINS });
  await dispatch(env.core, env.admin, 'redact.patterns.add', SITE_PATTERN);
  for (const [i, v] of VAULT_VALUES.entries())
    await dispatch(env.core, opSession, 'vault.add', { name: `seeded-${i}`, value: Buffer.from(v).toString('base64') });

  // The bundle's task marks PATTERN sensitive; the run set it to the seeded sensitive value.
  const bundle = sampleBundle('log-scan', 'c');
  const task = bundle.codebundle.tasks[0]!;
  task.config = task.config.map((v) => (v.name === 'PATTERN' ? { ...v, sensitive: true } : v));
  const db = env.core.store.db;
  insertBundle(db, bundle);
  const records = new RunRecords(db);
  records.insert({
    id: RUN_ID,
    bundle: { name: bundle.name, version: bundle.version, digest: bundle.digest },
    imageId: bundle.imageId,
    task: { id: task.id, title: task.title, access: task.access },
    startedBy: 'op1',
    reason: 'check after the change on db-seeded-01.corp.example.com',
    config: { values: { PATTERN: SENSITIVE_VALUES[0]! }, files: {}, secrets: {} },
    state: 'queued',
    approvalRequired: false,
    instanceId: 'i-test',
    createdAt: NOW,
    timeoutSeconds: 60,
  });
  const lines = seededLog().split('\n').filter(Boolean);
  records.appendLogs(
    RUN_ID,
    lines.map((text, i) => ({ seq: i + 1, time: NOW, stream: 'stdout' as const, text })),
  );
  const issue = {
    severity: 2 as const,
    title: 'peer 192.168.77.201 unreachable',
    expected: 'reachable',
    actual: SEEDED.find((s) => s.rule === 'url-password')!.line,
    reproduceHint: 'ping 192.168.77.201',
    nextSteps: 'mail jane.doe@customer-mail.org',
    details: SEEDED.map((s) => s.line).join('\n'),
    taskName: task.title,
    observedAt: NOW,
  };
  records.finish(RUN_ID, {
    outcome: 'failed',
    endedAt: NOW,
    exitCode: 1,
    issues: [issue],
    report: [{ obj: seededLog(), fmt: 'pre' as const, taskName: task.title }],
    warnings: [`customer ${SENSITIVE_VALUES[0]}`],
  });

  // Audit details with seeded identifiers (settings changes are recorded with their value).
  for (const s of SEEDED.filter((x) => !x.rule.startsWith('vault') && x.rule !== 'private-key' && x.line.length <= 200)) {
    await dispatch(env.core, env.admin, 'settings.set', { key: 'site.name', value: s.line });
  }
  return { env, opSession, op, auditor };
}

function untar(bundle: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('tar', ['-xzf', bundle, '-C', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('runs export (CLI and API), redact preview (CLI) and audit export --redact default: no seeded value leaves', async () => {
  const { env, opSession, op, auditor } = await setup();
  const dir = tempDir();
  const asOp = { AIRGAP_RUNNER_HOME: env.home, AIRGAP_RUNNER_USER: 'op1', AIRGAP_RUNNER_PASSWORD: op.password };

  // 1. runs export through the real CLI.
  const first = join(dir, 'report-1.json');
  const r1 = cli(['runs', 'export', RUN_ID, '--out', first, '--json'], asOp);
  assert.equal(r1.code, 0, r1.stderr);
  const text1 = readFileSync(first, 'utf8');
  assert.deepEqual(leaks(text1), []);
  assert.equal(statSync(first).mode & 0o777, 0o600);
  const doc1 = JSON.parse(text1);
  assert.equal(doc1.format, 'airgap-runner/run-report/v1');
  assert.equal(doc1.redaction.ruleSet, 'default');
  assert.match(doc1.redaction.version, /^1\+site\.[0-9a-f]{8}$/);
  for (const s of SEEDED) assert.ok((doc1.redaction.counts[s.rule] ?? 0) > 0, `counted ${s.rule}`);
  assert.ok(doc1.log.includes('[MASKED:vault]') && doc1.log.includes('[MASKED:sensitive]'));
  assert.equal(doc1.run.config.values.PATTERN, '[MASKED:sensitive]');
  const out1 = JSON.parse(r1.stdout);
  assert.equal(out1.sha256.length, 64);

  // 2. A second export through the API: the same pseudonyms.
  const second = join(dir, 'report-2.json');
  await dispatch(env.core, opSession, 'runs.export', { id: RUN_ID, outPath: second });
  const doc2 = JSON.parse(readFileSync(second, 'utf8'));
  assert.equal(doc2.log, doc1.log, 'pseudonyms stable across exports');
  const tokens = doc1.log.match(/\b(?:host|ip|email|arn|azure|gcp|ticket)-[0-9a-f]{6,}\b/g) as string[];
  assert.ok(tokens.length >= 8);
  // Exports never overwrite.
  await rejects(dispatch(env.core, opSession, 'runs.export', { id: RUN_ID, outPath: second }), 'CONFLICT');

  // 3. The reverse map (local only) restores the originals.
  const restored = unmapPseudonyms(env.core, doc1.log);
  for (const value of [
    'db-seeded-01.corp.example.com',
    '192.168.77.201',
    'fd12:3456:789a::77',
    'jane.doe@customer-mail.org',
    'TCK-775533',
    'arn:aws:iam::210987654321:role/SeededAdmin',
  ]) {
    assert.ok(restored.includes(value), `restored ${value}`);
  }

  // 4. The audit event of the export says what was applied, never the content.
  const events = await dispatch(env.core, env.admin, 'audit.list', { action: 'runs.export' });
  const shas = events.events
    .filter((e) => e.action === 'runs.export' && e.outcome === 'success')
    .map((e) => (e.details as { sha256: string }).sha256);
  assert.ok(shas.includes(out1.sha256), 'the CLI export is recorded with its SHA-256');
  assert.deepEqual(leaks(JSON.stringify(events)), []);

  // 5. The preview (CLI, JSON) shows what would leave: the texts carry no seeded value, vault originals are hidden.
  const pv = cli(['redact', 'preview', '--run', RUN_ID, '--json'], asOp);
  assert.equal(pv.code, 0, pv.stderr);
  const preview = JSON.parse(pv.stdout);
  assert.deepEqual(leaks(preview.sections.map((s: { text: string }) => s.text).join('\n')), []);
  const vaultHits = preview.sections.flatMap((s: { replacements: Array<{ rule: string; original: string }> }) =>
    s.replacements.filter((r) => r.rule === 'vault'),
  );
  assert.ok(vaultHits.length > 0 && vaultHits.every((r: { original: string }) => r.original === ''));
  const log = preview.sections.find((s: { label: string }) => s.label === 'log');
  assert.equal(log.text, doc1.log, 'the preview shows exactly the exported log');
  const human = cli(['redact', 'preview', '--run', RUN_ID], asOp);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /⟦host-[0-9a-f]{6}⟧/);
  assert.deepEqual(leaks(human.stdout.split('replacement(s):')[0]!), []);

  // 6. audit export --redact default: details replaced, the bundle verifies, the manifest counts by rule.
  const auditSession = await signIn(env.core, 'aud1', auditor.password);
  const bundlePath = join(dir, 'audit.tar.gz');
  const exp = await dispatch(env.core, auditSession, 'audit.export', { outPath: bundlePath, redact: 'default' });
  assert.match(exp.redaction ?? '', /^default\/1\+site\.[0-9a-f]{8}$/);
  const verified = await dispatch(env.core, null, 'audit.verify', { paths: [bundlePath] });
  assert.equal(verified.ok, true, verified.firstProblem ?? '');
  const x = join(dir, 'x');
  untar(bundlePath, x);
  const eventsText = readFileSync(join(x, 'events.jsonl'), 'utf8');
  assert.deepEqual(leaks(eventsText), []);
  const manifest = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'));
  assert.equal(manifest.redaction.ruleSet, 'default');
  assert.ok(manifest.redaction.rules.ipv4 > 0 && manifest.redaction.rules.email > 0, JSON.stringify(manifest.redaction));
  assert.ok(manifest.redaction.events > 0);

  await env.cleanup();
});

test('site patterns: a slow or invalid expression is refused with what to change; remove works; viewers cannot add', async () => {
  const { env, opSession } = await setup();
  const viewer = await addUser(env.core, env.admin, 'view1', ['viewer']);
  const nested = await rejects(dispatch(env.core, env.admin, 'redact.patterns.add', { name: 'bad', regex: '(a+)+$' }), 'INVALID_INPUT');
  assert.match(nested, /exponential time/);
  assert.match(
    await rejects(dispatch(env.core, env.admin, 'redact.patterns.add', { name: 'bad', regex: '([a-z' }), 'INVALID_INPUT'),
    /not a valid regular expression/,
  );
  assert.match(await rejects(dispatch(env.core, env.admin, 'redact.patterns.add', { name: 'bad', regex: 'x*' }), 'INVALID_INPUT'), /empty/);
  await rejects(dispatch(env.core, viewer.session, 'redact.patterns.add', { name: 'ok', regex: 'OK-\\d+' }), 'FORBIDDEN');
  // Site patterns are authorization state: admins only (roles table), not operators.
  await rejects(dispatch(env.core, opSession, 'redact.patterns.add', { name: 'ok', regex: 'OK-\\d+' }), 'FORBIDDEN');
  await rejects(dispatch(env.core, env.admin, 'redact.patterns.add', SITE_PATTERN), 'CONFLICT');
  await dispatch(env.core, env.admin, 'redact.patterns.remove', { name: SITE_PATTERN.name });
  const list = await dispatch(env.core, opSession, 'redact.patterns.list', {});
  assert.deepEqual(list.patterns, []);
  assert.deepEqual(list.siteDomains, SITE_DOMAINS);
  // Audit details name the pattern, never its expression.
  const events = await dispatch(env.core, env.admin, 'audit.list', { action: 'redact.patterns.add' });
  assert.ok(events.events.length > 0 && !JSON.stringify(events).includes('TCK-\\\\d'));
  await env.cleanup();
});

test('site patterns cannot hang the core: each hostile pattern is refused or finished within 1 s while another request is answered', async () => {
  const { env, opSession } = await setup();
  // How long the core's thread was held at most: a timer that should fire every 20 ms.
  let last = performance.now();
  let longestGap = 0;
  const ticker = setInterval(() => {
    longestGap = Math.max(longestGap, performance.now() - last);
    last = performance.now();
  }, 20);
  const both = async (call: Promise<unknown>) => {
    const started = performance.now();
    const other = dispatch(env.core, opSession, 'redact.patterns.list', {}).then(() => performance.now() - started);
    const outcome = await call.then(
      () => 'accepted',
      (e: { code?: string }) => e.code,
    );
    return { outcome, elapsed: performance.now() - started, other: await other };
  };
  try {
    for (const regex of ['\\d+\\d+z', '\\d+\\d+\\d+\\d+\\d+\\d+\\d+\\d+z', 'ab\\d+\\d+\\d+z']) {
      const r = await both(dispatch(env.core, env.admin, 'redact.patterns.add', { name: 'hostile', regex }));
      assert.equal(r.outcome, 'INVALID_INPUT', regex);
      assert.ok(r.elapsed < 1000 && r.other < 1000, `${regex}: ${Math.round(r.elapsed)} ms, other request ${Math.round(r.other)} ms`);
    }
    // Accepted (no static rule refuses it), then applied to a long line of digits by a preview.
    const accepted = await both(dispatch(env.core, env.admin, 'redact.patterns.add', { name: 'slow', regex: 'ab\\d+-?\\d+z' }));
    assert.equal(accepted.outcome, 'accepted');
    const text = `ab${'1'.repeat(64 * 1024)}\nab12-34z\n`;
    const preview = await both(dispatch(env.core, opSession, 'redact.preview', { path: 'runsExport', text }));
    assert.equal(preview.outcome, 'accepted');
    assert.ok(
      preview.elapsed < 1000 && preview.other < 1000,
      `preview ${Math.round(preview.elapsed)} ms, other ${Math.round(preview.other)} ms`,
    );
    assert.ok(longestGap < 1000, `the core's thread was held for ${Math.round(longestGap)} ms`);
  } finally {
    clearInterval(ticker);
    await env.cleanup();
  }
});
