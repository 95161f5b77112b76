// Per-run SSH certificates against Debian's sshd (the test target of test/services.sh --remote, in a
// network namespace the setup made, trusting the CA lines this test writes to its TrustedUserCAKeys):
// a task built on the SSH client image signs in with the certificate the runner made for its run;
// a principal the admin did not allow is never in it; a certificate is refused once expired; no key
// material is left on the host, in the store or in the engine's data root after the run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SshRunCredentials, parseCertificate, secretRoot, listSecretFolders, VALID_AFTER_DEADLINE_S } from '../../../src/vault';
import { rejects } from '../../helpers/core';
import { rawDocker, runnerCore, unique, type RunnerCore } from '../runner/fixture';
import { hostSignIn, sshBundleMirror } from './ssh-image';

const env = process.env;
const skip = !env.DOCKER_HOST
  ? 'SKIP: no DOCKER_HOST (eval "$(test/services.sh start --podman --remote)")'
  : !env.AIRGAP_TEST_TARGET_SSH || !env.AIRGAP_TEST_SSH_IMAGE_TAR
    ? 'SKIP: no SSH target (AIRGAP_TEST_TARGET_SSH, AIRGAP_TEST_SSH_IMAGE_TAR): start test/services.sh --remote'
    : false;

function grepTree(dir: string, needle: string): string[] {
  if (!existsSync(dir)) return [];
  const r = spawnSync('grep', ['-rlF', '-D', 'skip', '--', needle, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(r.status === 0 || r.status === 1 || r.status === 2, `grep failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** Removes exactly the lines this test appended (other tests share the target's files). */
function dropLines(file: string, lines: readonly string[]): void {
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !lines.includes(l));
  writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
}

const LOGIN = [
  '#!/bin/sh',
  'set -u',
  'printf "%s %s\\n" "$TARGET" "$TARGET_HOSTKEY" > /tmp/known_hosts',
  'echo "certificate: $(cat "$AIRGAP_SECRETS_DIR/target-cert.pub")"',
  'echo "key: $(cat "$AIRGAP_SECRETS_DIR/target")"; echo',
  '/usr/bin/ssh -F /dev/null -i "$AIRGAP_SECRETS_DIR/target" -o CertificateFile="$AIRGAP_SECRETS_DIR/target-cert.pub" \\',
  '  -o UserKnownHostsFile=/tmp/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes \\',
  '  -o ConnectTimeout=10 "root@$TARGET" 2>&1',
  'echo "ssh exit: $?"',
].join('\n');

function bundleDir(name: string, network: string, principals: string[]): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ssh-bundle-')), name);
  execFileSync('mkdir', [dir]);
  writeFileSync(join(dir, 'login.sh'), `${LOGIN}\n`);
  writeFileSync(
    join(dir, 'codebundle.yaml'),
    [
      'apiVersion: airgap-runner.io/v1',
      `name: ${name}`,
      'version: 1.0.0',
      'description: Signs in to the test target with a per-run SSH certificate.',
      'maintainer: Tests <tests@airgap-runner.invalid>',
      'tasks:',
      '  - id: login',
      '    title: Sign in to the target',
      '    tags: [access:read-only, ssh]',
      '    access: read-only',
      '    command: [/bin/sh, /codebundle/login.sh]',
      '    config:',
      '      - { name: TARGET, type: string, required: true }',
      '      - { name: TARGET_HOSTKEY, type: string, required: true }',
      '    credentials:',
      `      - { type: ssh-certificate, name: target, principals: [${principals.join(', ')}] }`,
      `    network: ${network}`,
      '    timeoutSeconds: 60',
      '    resources: { cpu: 0.5, memoryMiB: 64, pids: 32 }',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('per-run SSH certificates against a real sshd', { skip }, () => {
  let c: RunnerCore;
  let bundle: string;
  const allowed = unique('airgap-allowed');
  const notAllowed = unique('airgap-denied');
  const network = env.AIRGAP_TEST_TARGET_NETWORK ?? 'airgap-test-targets';
  const caKeys = env.AIRGAP_TEST_TARGET_CA_KEYS!;
  const principalsFile = join(env.AIRGAP_TEST_TARGET_PRINCIPALS_DIR ?? '/nonexistent', 'root');
  const written: string[] = [];
  let hostKey: string;

  before(async () => {
    c = await runnerCore(undefined, { start: new Date() });
    bundle = unique('ssh-login');
    const mirror = await sshBundleMirror(bundleDir(bundle, network, [allowed, notAllowed]), env.AIRGAP_TEST_SSH_IMAGE_TAR!);
    const imported = await c.op1('bundles.import', { source: mirror.source, ref: mirror.ref });
    // Nothing is allowed yet: the import says which principals its task will not get.
    assert.deepEqual(imported.principalsNotGranted, [{ task: 'login', credential: 'target', principals: [allowed, notAllowed] }]);
    await c.admin('networks.add', { name: network });
    hostKey = readFileSync(env.AIRGAP_TEST_TARGET_HOSTKEY!, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    appendFileSync(principalsFile, `${allowed}\n${notAllowed}\n`);
  });

  after(async () => {
    dropLines(caKeys, written);
    dropLines(principalsFile, [allowed, notAllowed]);
    await c?.cleanup();
  });

  const start = () =>
    c.op1('runs.start', { bundle, task: 'login', values: { TARGET: env.AIRGAP_TEST_TARGET_SSH!, TARGET_HOSTKEY: hostKey } });

  test('refused before a CA exists and before an admin allowed a principal; the grant is admin-only', async () => {
    assert.match(
      await rejects(start(), 'POLICY_DENIED'),
      /no SSH certificate authority\. An admin creates one on the SSH certificate authority screen/,
    );
    await rejects(c.op1('sshCa.create', { name: 'nope' }), 'FORBIDDEN');
    const ca = await c.admin('sshCa.create', { name: unique('site') });
    assert.equal(ca.state, 'active');
    assert.match(ca.publicKey, /^ssh-ed25519 AAAA/);
    appendFileSync(caKeys, `${ca.publicKey}\n`);
    written.push(ca.publicKey);
    assert.match(await rejects(start(), 'POLICY_DENIED'), /none of which an admin allowed/);
    await rejects(c.op1('sshCa.allow', { kind: 'bundle', subject: bundle, principals: [allowed] }), 'FORBIDDEN');
  });

  test('the task signs in with its per-run certificate; only the allowed principal is in it; nothing of the key is left', async () => {
    await c.admin('sshCa.allow', { kind: 'bundle', subject: bundle, principals: [allowed, 'someone-else'], forceCommand: '/bin/true' });
    // The task page names the principal that stays ungranted.
    const shown = await c.op1('tasks.show', { bundle, task: 'login' });
    assert.deepEqual(shown.task.sshCredentials, [{ name: 'target', principals: [allowed, notAllowed], notAllowed: [notAllowed] }]);
    // Observe the key material the runner makes (to scan for it afterwards); the runner itself is untouched.
    const seen: Buffer[] = [];
    type Issue = (this: SshRunCredentials, ...args: Parameters<SshRunCredentials['issue']>) => ReturnType<SshRunCredentials['issue']>;
    const issue: Issue = Reflect.get(SshRunCredentials.prototype, 'issue');
    SshRunCredentials.prototype.issue = function (this: SshRunCredentials, ...args: Parameters<Issue>) {
      const out = issue.apply(this, args);
      seen.push(Buffer.from(out.files.get('target')!));
      return out;
    };
    let id: string;
    try {
      c.env.clock.set(new Date()); // the sshd checks validity against the real time
      ({ id } = await start());
      await c.env.core.runner.waitFor(id);
    } finally {
      SshRunCredentials.prototype.issue = issue;
    }
    const run = await c.op1('runs.show', { id });
    const lines = (await c.op1('runs.logs', { id, limit: 10_000 })).lines.map((l) => l.text);
    const text = lines.join('\n');
    assert.equal(run.outcome, 'succeeded', `${run.error ?? ''}\n${text}`);
    assert.ok(text.includes('airgap-target: signed in as root'), text);
    assert.ok(text.includes('ssh exit: 0'), text);

    // The certificate the task had: the allowed principal only, the run's serial, validity up to the deadline.
    const certLine = lines.find((l) => l.startsWith('certificate: '))!.slice('certificate: '.length);
    const cert = parseCertificate(certLine);
    assert.deepEqual(cert.principals, [allowed], 'a principal the admin did not allow is never in the certificate');
    assert.equal(run.sshCertificates.length, 1);
    const issued = run.sshCertificates[0]!;
    assert.equal(issued.serial, cert.serial.toString());
    assert.deepEqual(issued.principals, [allowed]);
    assert.equal(issued.keyId, `airgap-run:${id}:target`);
    assert.deepEqual(cert.extensions, {}, 'no extensions: no agent, port or X11 forwarding, no pty');
    assert.deepEqual(cert.critical, { 'force-command': '/bin/true' });
    const deadline = Date.parse(run.startedAt!) + run.timeoutSeconds * 1000;
    const validBefore = Number(cert.validBefore) * 1000;
    assert.ok(
      validBefore >= deadline - 2000 && validBefore <= deadline + (VALID_AFTER_DEADLINE_S + 2) * 1000,
      'valid until about the deadline',
    );
    const certFile = join(mkdtempSync(join(tmpdir(), 'ssh-cert-')), 'target-cert.pub');
    writeFileSync(certFile, `${certLine}\n`);
    const listed = execFileSync('ssh-keygen', ['-L', '-f', certFile], { encoding: 'utf8' });
    rmSync(dirname(certFile), { recursive: true });
    assert.match(listed, new RegExp(`Serial: ${issued.serial}`));
    assert.match(listed, /force-command \/bin\/true/);
    assert.ok(readFileSync(env.AIRGAP_TEST_TARGET_LOG!, 'utf8').includes(`serial ${issued.serial}`), 'the target logged the serial');

    // Serial, principals and validity in the audit event.
    const db = c.env.core.store.db;
    const event = db.prepare("SELECT details FROM audit_events WHERE action = 'runs.sshCertificates' AND target = ?").get(`run:${id}`) as {
      details: string;
    };
    const details = JSON.parse(event.details) as { certificates: Array<{ serial: string; principals: string[]; validBefore: string }> };
    assert.deepEqual(details.certificates[0]!.principals, [allowed]);
    assert.equal(details.certificates[0]!.serial, issued.serial);
    assert.equal(details.certificates[0]!.validBefore, issued.validBefore);

    // The private key: masked in the log, and found nowhere after the run.
    assert.equal(seen.length, 1);
    const keyFile = seen[0]!.toString('utf8');
    const keyLines = keyFile.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
    assert.ok(keyLines.length > 0);
    assert.ok(text.includes('key: [MASKED]') || !keyLines.some((l) => text.includes(l)), 'the key never reaches the log');
    for (const l of keyLines) assert.ok(!text.includes(l), 'no line of the key in the log');
    const dataRoot = String(((await rawDocker().info()) as { DockerRootDir: string }).DockerRootDir);
    const execRoot = join(dirname(dataRoot), 'exec');
    const root = secretRoot({ workstationId: c.env.core.store.workstationId, home: c.env.home, allowDisk: false });
    assert.deepEqual(listSecretFolders(root), [], 'the run secret folder was removed');
    // The first base64 line is the same in every ed25519 key file (format header, key type); the rest is this key's own.
    const own = keyLines.slice(1);
    assert.ok(own.length >= 3);
    for (const where of [dataRoot, execRoot, dirname(root.dir), c.env.home]) {
      for (const l of own) assert.deepEqual(grepTree(where, l), [], `no key bytes under ${where}`);
    }
    for (const table of ['runs', 'run_logs', 'audit_events', 'ssh_certificates']) {
      const dump = JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all());
      for (const l of keyLines) assert.ok(!dump.includes(l), `not in the table ${table}`);
    }
    seen[0]!.fill(0);

    const issuedList = await c.op1('sshCa.issued', {});
    assert.ok(issuedList.certificates.some((x) => x.serial === issued.serial));
  });

  let scheduled: string;
  const values = () => ({ TARGET: env.AIRGAP_TEST_TARGET_SSH!, TARGET_HOSTKEY: hostKey });

  test('a scheduled run of the task gets its own certificate, signed unattended, with the allowed principal only', async () => {
    const core = c.env.core;
    // Made a minute ago, so its first occurrence is due now: the sshd checks validity against the real time.
    c.env.clock.set(new Date(Date.now() - 65_000));
    const s = await c.op1('schedules.add', {
      name: unique('login'),
      bundle,
      task: 'login',
      values: values(),
      everySeconds: 60,
      timeZone: 'UTC',
    });
    scheduled = s.id;
    c.env.clock.set(new Date());
    for (const session of core.sessions.all()) session.lastActive = c.env.clock.now().getTime();
    const fired = await core.scheduler.tick();
    assert.equal(fired.kind, 'handled', JSON.stringify(fired));
    const [event] = (await c.op1('schedules.show', { id: s.id })).events;
    assert.equal(event!.result, 'started', event!.reason ?? '');
    const id = event!.runId!;
    await core.runner.waitFor(id);
    const run = await c.op1('runs.show', { id });
    const lines = (await c.op1('runs.logs', { id, limit: 10_000 })).lines.map((l) => l.text);
    const text = lines.join('\n');
    assert.equal(run.outcome, 'succeeded', `${run.error ?? ''}\n${text}`);
    assert.ok(text.includes('airgap-target: signed in as root'), text);
    const cert = parseCertificate(lines.find((l) => l.startsWith('certificate: '))!.slice('certificate: '.length));
    assert.deepEqual(cert.principals, [allowed], 'a principal the admin did not allow is never in the certificate');
    assert.equal(run.sshCertificates.length, 1);
    assert.deepEqual(run.sshCertificates[0]!.principals, [allowed]);
    assert.equal(run.sshCertificates[0]!.serial, cert.serial.toString());
    assert.equal(run.sshCertificates[0]!.keyId, `airgap-run:${id}:target`);
    assert.ok(!text.includes('BEGIN OPENSSH PRIVATE KEY') || text.includes('key: [MASKED]'), 'the key never reaches the log');
    const root = secretRoot({ workstationId: core.store.workstationId, home: c.env.home, allowDisk: false });
    assert.deepEqual(listSecretFolders(root), [], 'the run secret folder was removed');
  });

  test('the same certificate is refused once its validity is over', async () => {
    // The runner's issuing code with a deadline two seconds away; signed in from the host's ssh client.
    const db = c.env.core.store.db;
    const vaultKey = c.env.core.sessions.all().find((s) => s.id === c.sessions.op1)!.keyring.vault;
    const creds = SshRunCredentials.prepare(db, {
      bundle,
      tags: ['ssh'],
      decls: [{ type: 'ssh-certificate', name: 'target', principals: [allowed] }],
      vaultKey,
    })!;
    const now = new Date();
    const { files } = db.transaction(() => creds.issue(db, 'expiry-check', now, new Date(now.getTime() + 2000)))();
    const dir = mkdtempSync(join(tmpdir(), 'ssh-expiry-'));
    try {
      const signIn = hostSignIn({
        dir,
        host: env.AIRGAP_TEST_TARGET_SSH_FROM_HOST!,
        hostKey,
        key: files.get('target')!,
        cert: files.get('target-cert.pub')!,
      });
      const first = signIn();
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /airgap-target: signed in as root/);
      const validBefore = Number(parseCertificate(files.get('target-cert.pub')!.toString()).validBefore) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, validBefore - Date.now()) + 1500));
      const second = signIn();
      assert.notEqual(second.status, 0, 'refused after its validity');
      assert.match(second.stderr, /Permission denied/);
      assert.match(readFileSync(env.AIRGAP_TEST_TARGET_LOG!, 'utf8'), /[Cc]ertificate invalid: expired/);
    } finally {
      for (const v of files.values()) v.fill(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test(
    'an SSH CA whose key is on a hardware token cannot sign unattended: refused when a schedule is made and at each fire',
    {
      skip: !env.AIRGAP_TEST_PKCS11_MODULE || !env.SOFTHSM2_CONF ? 'SKIP: no softhsm2 token (AIRGAP_TEST_PKCS11_*)' : false,
    },
    async () => {
      const core = c.env.core;
      const ca = await c.admin('sshCa.addToken', {
        name: unique('token-ca'),
        module: env.AIRGAP_TEST_PKCS11_MODULE!,
        token: env.AIRGAP_TEST_PKCS11_TOKEN!,
        keyLabel: unique('sched-ca'),
        generateKey: true,
        pin: env.AIRGAP_TEST_PKCS11_PIN!,
      });
      assert.equal(ca.state, 'active');
      const before = (await c.op1('schedules.list', {})).schedules.length;
      const refused = await rejects(
        c.op1('schedules.add', { name: unique('login'), bundle, task: 'login', values: values(), everySeconds: 60, timeZone: 'UTC' }),
        'POLICY_DENIED',
      );
      assert.match(refused, new RegExp(`SSH CA "${ca.name}", whose key is on a hardware token`));
      assert.match(refused, /no one is there to type the token's PIN/);
      assert.equal((await c.op1('schedules.list', {})).schedules.length, before, 'nothing kept');
      // The schedule made while the CA was in the vault: its next occurrence is refused and recorded, no run.
      const runs = (await c.op1('runs.list', {})).total;
      c.env.clock.advance(61_000);
      for (const session of core.sessions.all()) session.lastActive = c.env.clock.now().getTime();
      const fired = await core.scheduler.tick();
      assert.ok(fired.kind === 'handled' && fired.failed === 1 && fired.started.length === 0, JSON.stringify(fired));
      const [event] = (await c.op1('schedules.show', { id: scheduled })).events;
      assert.equal(event!.result, 'failed');
      assert.match(event!.reason ?? '', /hardware token.*no one is there to type the token's PIN/);
      assert.equal((await c.op1('runs.list', {})).total, runs, 'no run recorded');
      const audit = core.store.db
        .prepare("SELECT outcome, details FROM audit_events WHERE action = 'runs.start' AND target = ? ORDER BY seq DESC LIMIT 1")
        .get(`schedule:${scheduled}`) as { outcome: string; details: string };
      assert.equal(audit.outcome, 'failure');
      assert.match(audit.details, /hardware token/);
    },
  );
});
