/**
 * The import flow as an operator and an admin drive it with the real CLI (separate processes, secrets
 * only from the environment), against the real registry and engine: trust a key, list the mirror,
 * import, list bundles and tasks, change the policy, revoke, prune; progress only on a terminal.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, errorLine, type CliResult } from '../../helpers/cli';
import { tempDir } from '../../helpers/core';
import type { TestRegistry } from '../mirror/registry-fixture';
import { bundleImage, classicArtifact, engineSkip, KEYS, push, testEngine, testRegistry, TRUSTED_FP, TRUSTED_KEY } from './fixture';

const ROOT = { AIRGAP_RUNNER_PASSWORD: 'root-cli-password-1' };
const OP = { AIRGAP_RUNNER_PASSWORD: 'op-cli-password-12' };

let registry: TestRegistry | undefined;
let skip: string | undefined;

before(async () => {
  skip = engineSkip();
  if (skip) return;
  const started = await testRegistry();
  if ('skip' in started) skip = started.skip;
  else registry = started;
});

after(async () => {
  await registry?.stop();
});

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r;
}

describe('CLI: the import flow', () => {
  test('trust, mirror list, bundle import, bundle/task list, policy, revoke, show, prune', async (t) => {
    if (skip || !registry) return t.skip(skip);
    const engine = testEngine();
    const home = join(tempDir('agr-cli-import-'), 'home');
    const root = (args: string[], env: Record<string, string> = {}) =>
      cli(['--home', home, '--user', 'root', ...args], { ...ROOT, ...env });
    const op = (args: string[], env: Record<string, string> = {}) => cli(['--home', home, '--user', 'op', ...args], { ...OP, ...env });

    ok(cli(['--home', home, 'init', '--admin', 'root'], ROOT), 'init');
    const added = ok(root(['trust', 'add-key', join(KEYS, 'cosign.pub'), '--comment', 'sample key']), 'trust add-key');
    assert.match(added.stdout, new RegExp(`Added key ${TRUSTED_FP}`));
    ok(root(['user', 'add', 'op', '--role', 'operator'], { AIRGAP_RUNNER_NEW_PASSWORD: 'op-first-password-1' }), 'user add');
    ok(
      cli(['--home', home, '--user', 'op', 'user', 'passwd'], {
        AIRGAP_RUNNER_PASSWORD: 'op-first-password-1',
        AIRGAP_RUNNER_NEW_PASSWORD: OP.AIRGAP_RUNNER_PASSWORD,
      }),
      'passwd',
    );

    const built = await bundleImage();
    t.after(() => engine.removeImage(built.image.configDigest, { force: true }).catch(() => undefined));
    const repo = `tests/${built.name}`;
    await push(registry, repo, built.image, '1.0.0');
    const sig = classicArtifact(built.image.manifestDigest, TRUSTED_KEY);
    await push(registry, repo, sig.artifact, sig.tag);

    const listed = ok(op(['mirror', 'list', registry.url, repo]), 'mirror list');
    assert.match(listed.stdout, new RegExp(`${repo}\\s+1\\.0\\.0\\s+${built.image.manifestDigest}`));
    assert.equal(errorLine(root(['mirror', 'list', registry.url]))?.code, 'FORBIDDEN', 'browsing a mirror is for operators');

    const imported = ok(op(['bundle', 'import', registry.url, `${repo}:1.0.0`]), 'bundle import');
    assert.match(imported.stdout, new RegExp(`^Imported ${built.name}@1\\.0\\.0 ${built.image.manifestDigest}`));
    assert.match(imported.stdout, /change\s+read-write\s+disabled\s+denied by the tag policy/);
    assert.equal(imported.stderr, '', 'no progress when stderr is not a terminal');
    assert.equal((await engine.inspectImage(built.image.configDigest))?.id, built.image.configDigest);

    const bundles = JSON.parse(ok(op(['bundle', 'list', '--json']), 'bundle list').stdout) as {
      bundles: Array<{ name: string; state: string; signature: { signerFingerprint: string } }>;
    };
    assert.deepEqual(
      bundles.bundles.map((b) => [b.name, b.state, b.signature.signerFingerprint]),
      [[built.name, 'active', TRUSTED_FP]],
    );
    const tasks = ok(op(['task', 'list', '--bundle', built.name]), 'task list');
    assert.match(tasks.stdout, /look\s+read-only\s+access:read-only,data:metrics\s+enabled/);
    assert.match(
      tasks.stdout,
      /change\s+read-write\s+access:read-write,data:config\s+disabled\s+denied by the tag policy: tag "access:read-write"/,
    );

    // --dry-run: the tasks the change would make usable, and the policy left as it was.
    const preview = ok(root(['policy', 'allow', '--dry-run', 'access:read-write']), 'policy allow --dry-run').stdout;
    assert.match(preview, /^Nothing changed \(dry run\)\. The policy would be:/);
    assert.match(preview, new RegExp(`Tasks it would make usable:\\n[\\s\\S]*${built.name}@1\\.0\\.0\\s+change\\s+allowed`));
    assert.match(preview, /Tasks it would make unusable: none/);
    assert.match(ok(root(['policy', 'show']), 'policy show').stdout, /allow\s+\(none\)\ndeny\s+access:read-write/);

    ok(root(['policy', 'allow', 'access:read-write']), 'policy allow');
    const allowed = JSON.parse(ok(op(['task', 'list', '--json']), 'task list').stdout) as {
      tasks: Array<{ id: string; enabled: boolean; reason: string }>;
    };
    assert.ok(
      allowed.tasks.every((x) => x.enabled),
      JSON.stringify(allowed.tasks),
    );
    assert.match(ok(root(['policy', 'show']), 'policy show').stdout, /allow\s+access:read-write\ndeny\s+\(none\)/);

    const revoked = ok(root(['bundle', 'revoke', built.image.manifestDigest, '--reason', 'superseded by a fixed build']), 'bundle revoke');
    assert.match(revoked.stdout, new RegExp(`${built.name}@1\\.0\\.0: every task is now disabled`));
    const after = JSON.parse(ok(op(['task', 'list', '--json']), 'task list').stdout) as {
      tasks: Array<{ enabled: boolean; reason: string }>;
    };
    assert.ok(
      after.tasks.every((x) => !x.enabled && /revoked by user:root .*superseded by a fixed build/.test(x.reason)),
      JSON.stringify(after.tasks),
    );
    assert.match(ok(op(['bundle', 'show', built.name]), 'bundle show').stdout, /state\s+revoked: the bundle's digest/);

    const again = op(['bundle', 'import', registry.url, `${repo}:1.0.0`]);
    assert.equal(again.code, 6);
    assert.equal(errorLine(again)?.code, 'POLICY_DENIED');

    const pruned = ok(op(['bundle', 'prune']), 'bundle prune');
    assert.match(pruned.stdout, new RegExp(`Removed ${built.name}@1\\.0\\.0 ${built.image.configDigest} \\(revoked\\)`));
    assert.equal(await engine.inspectImage(built.image.configDigest), null);

    const unsigned = await bundleImage();
    await push(registry, `tests/${unsigned.name}`, unsigned.image, '1.0.0');
    const refused = op(['bundle', 'import', registry.url, `tests/${unsigned.name}:1.0.0`]);
    assert.equal(refused.code, 7);
    assert.match(errorLine(refused)?.message ?? '', /is unsigned/);
    assert.equal(refused.stdout, '');

    ok(root(['trust', 'remove', TRUSTED_FP.slice(0, 12)]), 'trust remove');
    assert.match(
      ok(root(['trust', 'list', '--all']), 'trust list').stdout,
      new RegExp(`${TRUSTED_FP}\\s+ecdsa-p256\\s+sample key\\s+\\S+ user:root\\s+\\S+ user:root`),
    );
    const audit = JSON.parse(ok(root(['audit', 'list', '--action', 'bundles.import', '--json']), 'audit list').stdout) as {
      events: Array<{ outcome: string; actor: string }>;
    };
    assert.deepEqual(
      audit.events.map((e) => `${e.actor} ${e.outcome}`),
      ['user:op failure', 'user:op failure', 'user:op success'],
    );
  });

  test('progress goes to stderr on a terminal', async (t) => {
    if (skip || !registry) return t.skip(skip);
    if (spawnSync('script', ['--version']).error) return t.skip('SKIP: no `script` (util-linux) to give the CLI a terminal');
    const engine = testEngine();
    const home = join(tempDir('agr-cli-tty-'), 'home');
    ok(cli(['--home', home, 'init', '--admin', 'root'], ROOT), 'init');
    ok(cli(['--home', home, '--user', 'root', 'trust', 'add-key', join(KEYS, 'cosign.pub')], ROOT), 'trust add-key');
    ok(
      cli(['--home', home, '--user', 'root', 'user', 'add', 'op', '--role', 'operator'], {
        ...ROOT,
        AIRGAP_RUNNER_NEW_PASSWORD: 'op-first-password-1',
      }),
      'user add',
    );
    ok(
      cli(['--home', home, '--user', 'op', 'user', 'passwd'], {
        AIRGAP_RUNNER_PASSWORD: 'op-first-password-1',
        AIRGAP_RUNNER_NEW_PASSWORD: OP.AIRGAP_RUNNER_PASSWORD,
      }),
      'passwd',
    );
    const built = await bundleImage({ layers: [{ random: { seed: `tty-${Date.now()}`, size: 2 * 1024 * 1024 } }] });
    t.after(() => engine.removeImage(built.image.configDigest, { force: true }).catch(() => undefined));
    const repo = `tests/${built.name}`;
    await push(registry, repo, built.image, '1.0.0');
    const sig = classicArtifact(built.image.manifestDigest, TRUSTED_KEY);
    await push(registry, repo, sig.artifact, sig.tag);
    const main = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
    const command = [
      process.execPath,
      '--import',
      'tsx',
      main,
      '--home',
      home,
      '--user',
      'op',
      'bundle',
      'import',
      registry.url,
      `${repo}:1.0.0`,
    ]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(' ');
    const r = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      env: { ...process.env, ...OP, COLUMNS: '200' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    // On a pty stdout and stderr arrive together: the progress lines are rewritten with \r.
    /* eslint-disable no-control-regex */
    assert.match(r.stdout, /\r\x1b\[Kverify: Checking the signature of sha256:/);
    assert.match(r.stdout, /\r\x1b\[Kfetch: Fetching config and layers [\d.]+ \w+ \/ [\d.]+ MiB \(\d+%\)/);
    /* eslint-enable no-control-regex */
    assert.match(r.stdout, new RegExp(`Imported ${built.name}@1\\.0\\.0`));
  });
});
