/**
 * Issue 7's remaining screens in Debian's Chromium, on a real core, store, engine and mirror:
 * the run form generated from a task's declaration (`tasks.show`: typed controls, defaults, required
 * marks, pattern messages, a picked file, a vault picker offering only items bound to the bundle, a
 * sensitive value typed as a password), the engine card (`engine.status`), issues across runs
 * (`issues.list`), the two-person rule for read-write runs with `runner.requireApproval` on, a
 * PKCS#12 identity from a site CA, verification against that CA, and the detached-signature
 * pickers of the import. Every screen touched is saved light and dark.
 *
 * Needs DOCKER_HOST for imports and runs (`set -a; . /tmp/agr-shared.env; set +a`, or
 * `node test/run.mjs e2e` as root); without it those parts say plainly that they skip.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, shoot, SCREENSHOTS } from './browser';
import { closeRunningHarness, shown, Windows } from './windows';
import { ROOT } from './build-renderer';
import {
  AuditExportPage,
  CatalogPage,
  DashboardPage,
  ImportPage,
  IssuesPage,
  RunFormDialog,
  RunPage,
  ShellPage,
  SigningIdentityPage,
  VerifyPage,
} from './pages';
import { openssl, opensslMissing } from '../unit/audit/openssl';
import { writeSignedSample } from '../../samples/tools/build-mirror';

const ADMIN = { name: 'ines', password: 'ines signs for the site' };
const OP_A = { name: 'anna', first: 'first-password-anna', password: 'anna starts the change' };
const OP_B = { name: 'bert', first: 'first-password-bert', password: 'bert checks it twice' };
const AUDITOR = { name: 'ulla', first: 'first-password-ulla', password: 'ulla carries the bundle' };

const ENGINE_SKIP = process.env.DOCKER_HOST
  ? false
  : 'SKIP: no DOCKER_HOST, so no engine for imports and runs (set -a; . /tmp/agr-shared.env; set +a, or run as root with docker.io)';
if (ENGINE_SKIP) console.log(`ui-operator.test.ts: ${ENGINE_SKIP}`);
if (opensslMissing) console.log(`ui-operator.test.ts: SKIP PKCS#12 and CA parts: ${opensslMissing}`);

const SAMPLES = join(ROOT, 'samples', 'bundles');
const KEY = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.key'));
const PUB = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.pub'), 'utf8');
const SENSITIVE = 'typed-but-never-shown-42';

/** A bundle whose first task declares one variable of every type and a secret; its second is read-write. */
function fixtureBundle(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ui-form-fixture-')), name);
  mkdirSync(dir);
  copyFileSync(join(SAMPLES, 'host-health', 'results.sh'), join(dir, 'results.sh'));
  writeFileSync(
    join(dir, 'typed.sh'),
    [
      '#!/bin/sh',
      '. "$(dirname "$0")/results.sh"',
      'echo "HOST=$HOST COUNT=$COUNT VERBOSE=$VERBOSE MODE=$MODE"',
      'echo "first: $(head -n 1 "$INPUT")"',
      'echo "secret bytes: $(wc -c < /airgap/secrets/api-token)"',
      'echo "password given: ${#API_PASSWORD} characters"',
      `add_issue 1 "No backup of $HOST" 'a backup from the last 24 hours' 'none found' 'ls /backups' 'Start the backup job for the host, then run this task again.'`,
      `add_issue 3 'Clock drift' 'under 1 s' '2 s' '' 'Check the NTP server.'`,
    ].join('\n') + '\n',
  );
  writeFileSync(join(dir, 'change.sh'), '#!/bin/sh\necho "changed with care"\n');
  const limits = '    timeoutSeconds: 60\n    resources: { cpu: 0.5, memoryMiB: 64, pids: 32 }\n';
  writeFileSync(
    join(dir, 'codebundle.yaml'),
    [
      'apiVersion: airgap-runner.io/v1',
      `name: ${name}`,
      'version: 1.0.0',
      'description: Run form end-to-end fixture.',
      'maintainer: Tests <tests@airgap-runner.invalid>',
      'tasks:',
      '  - id: typed',
      '    title: Check a host with typed inputs',
      '    description: Prints what it was given and raises two issues.',
      '    tags: [access:read-only, data:ui]',
      '    access: read-only',
      '    command: [/bin/sh, /codebundle/typed.sh]',
      limits +
        '    config:\n' +
        "      - { name: HOST, type: string, required: true, pattern: '[a-z0-9.-]+', example: db1.dc, description: The host to check. }\n" +
        '      - { name: COUNT, type: number, default: 3, description: How many probes. }\n' +
        '      - { name: VERBOSE, type: boolean, default: false }\n' +
        '      - { name: MODE, type: enum, enum: [quick, full], default: quick }\n' +
        '      - { name: INPUT, type: file, required: true, description: The host list. }\n' +
        "      - { name: API_PASSWORD, type: string, sensitive: true, description: 'Typed once, never shown.' }\n" +
        '    secrets:\n' +
        '      - { name: api-token, description: Token for the host API. }',
      '  - id: change',
      '    title: Change a setting',
      '    tags: [access:read-write, data:ui]',
      '    access: read-write',
      '    command: [/bin/sh, /codebundle/change.sh]',
      limits,
    ].join('\n'),
  );
  return dir;
}

/** A site CA and an audit-signing identity it issued, as PKCS#12 (the way an organisation hands one out). */
function siteIdentity(dir: string): { p12: string; caPem: string } {
  const run = (args: string[]) => openssl(args, { cwd: dir });
  writeFileSync(
    join(dir, 'ca.cnf'),
    '[req]\ndistinguished_name=dn\n[dn]\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n',
  );
  writeFileSync(
    join(dir, 'leaf.cnf'),
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n',
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
  run([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    '/CN=North DC audit',
  ]);
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
  run([
    'pkcs12',
    '-export',
    '-in',
    'leaf.pem',
    '-inkey',
    'leaf.key',
    '-certfile',
    'ca.pem',
    '-out',
    'audit.p12',
    '-passout',
    'pass:p12 secret',
  ]);
  return { p12: join(dir, 'audit.p12'), caPem: readFileSync(join(dir, 'ca.pem'), 'utf8') };
}

describe('run form, engine, issues, approvals and pickers in Chromium', { timeout: 300_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  const files = mkdtempSync(join(tmpdir(), 'airgap-e2e-form-'));
  const fixture = `ui-form-${randomBytes(3).toString('hex')}`;
  let mirrorDir = '';
  let ref = '';
  let admin: Page;
  let anna: Page;
  let site: { p12: string; caPem: string } | null = null;

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    console.log(`screenshots: ${SCREENSHOTS}`);
    if (!opensslMissing) site = siteIdentity(files);
    if (!ENGINE_SKIP) {
      mirrorDir = join(files, 'mirror');
      const { sample } = await writeSignedSample(mirrorDir, fixtureBundle(fixture), KEY);
      ref = `${sample.repository}:${sample.version}`;
    }
  });

  after(async () => {
    await windows.closeAll();
    await browser?.close();
    await closeRunningHarness(harness, !ENGINE_SKIP);
    rmSync(files, { recursive: true, force: true });
  });

  const windows = new Windows(() => ({ browser, harness }));
  const signInFirstTime = (user: { name: string; first: string; password: string }) => windows.signInFirstTime(user);

  it('setup: the admin trusts the sample key, allows read-write tasks, turns on approvals and adds the team', async () => {
    admin = await windows.setup(ADMIN);
    const calls = await admin.evaluate(
      async ([pub, users]) => {
        const api = window.api!;
        const out: Array<{ ok: boolean }> = [
          await api.call('trust.addKey', { pem: pub, comment: 'sample key' }),
          await api.call('policy.allow', { tags: ['access:read-write'] }),
          await api.call('settings.set', { key: 'runner.requireApproval', value: true }),
        ];
        for (const [name, password, role] of users) out.push(await api.call('users.add', { name, password, roles: [role] }));
        return out.map((r) => JSON.stringify(r)).filter((r) => !r.startsWith('{"ok":true'));
      },
      [
        PUB,
        [
          [OP_A.name, OP_A.first, 'operator'],
          [OP_B.name, OP_B.first, 'operator'],
          [AUDITOR.name, AUDITOR.first, 'auditor'],
        ],
      ] as const,
    );
    assert.deepEqual(calls, []);
  });

  it('the dashboard asks the engine itself: reachable, its kind, version and socket', { skip: ENGINE_SKIP }, async () => {
    await admin.reload();
    const cards = new DashboardPage(admin);
    await shown(cards.engine.getByText('Engine reachable'));
    const text = await cards.engine.innerText();
    assert.match(text, /(Docker|Podman) \d+\.\d+/);
    assert.match(text, /Runs (as|without) root/);
    assert.match(text, /unix:\/\//);
    await shown(cards.openIssues.getByText(/No open issues/));
    await shoot(admin, 'form-01-dashboard-engine');
  });

  it('the signing identity is replaced from a PKCS#12 file picked in the native dialog', { skip: opensslMissing }, async () => {
    const shell = new ShellPage(admin);
    await shell.open('Signing identity');
    const identity = new SigningIdentityPage(admin);
    await shown(identity.current);
    harness.dialogs.open.push(site!.p12);
    await identity.choosePkcs12(site!.p12, 'not the password');
    await identity.importAndReplace();
    await shown(identity.dialog.getByRole('alert').filter({ hasText: 'the password is wrong' }));
    await shoot(admin, 'form-02-identity-pkcs12', { fullPage: false });
    await identity.dialog.getByLabel('PKCS#12 password').fill('p12 secret');
    await identity.importAndReplace();
    await shown(identity.status.filter({ hasText: /imported from audit\.p12/ }));
    await shown(identity.current.getByText(/Site Audit CA/));
    await shoot(admin, 'form-03-identity-imported');
    // A path typed into the page is refused by the bridge.
    const typed = await admin.evaluate(
      async (p) => await window.api!.call('audit.identityReplace', { pkcs12File: p, password: 'x' }),
      join(files, 'typed.p12'),
    );
    assert.equal(!typed.ok && typed.error.code, 'INVALID_INPUT');
  });

  it('import: a detached signature needs both files; then the bundle imports from the mirror', { skip: ENGINE_SKIP }, async () => {
    anna = await signInFirstTime(OP_A);
    const shell = new ShellPage(anna);
    await shell.open('Import', 'Import from a mirror');
    const page = new ImportPage(anna);
    harness.dialogs.open.push(mirrorDir);
    await page.listOciFolder();
    const sig = join(files, 'bundle.sig');
    writeFileSync(sig, 'not really a signature');
    await anna.getByText('Signature kept beside the image (detached)').click();
    harness.dialogs.open.push(sig);
    await anna.getByRole('button', { name: 'Signature file…' }).click();
    await shown(anna.getByLabel('Chosen signature file').filter({ hasText: sig }));
    await page.importButton(ref).click();
    await shown(page.alert.filter({ hasText: 'A detached signature needs both files' }));
    await shoot(anna, 'form-04-import-detached-signature');
    await anna.getByRole('button', { name: 'Clear the detached signature' }).click();
    await page.importRef(ref);
    await shown(page.result.getByRole('heading', { name: new RegExp(`${fixture} 1.0.0 imported`) }));
    // The vault: one item bound to the bundle, one bound elsewhere.
    const added = await anna.evaluate(async (bundle) => {
      const api = window.api!;
      return [
        await api.call('vault.add', { name: 'api-token', value: btoa('token-0123456789') }),
        await api.call('vault.bind', { name: 'api-token', bundles: [bundle] }),
        await api.call('vault.add', { name: 'other-token', value: btoa('elsewhere') }),
        await api.call('vault.bind', { name: 'other-token', bundles: ['some-other-bundle'] }),
      ].filter((r) => !r.ok);
    }, fixture);
    assert.deepEqual(added, []);
  });

  it(
    'the run form is generated from the task: typed controls, defaults, required marks, messages next to fields',
    { skip: ENGINE_SKIP },
    async () => {
      await new ShellPage(anna).open('Catalog');
      await new CatalogPage(anna).runButton('Check a host with typed inputs').click();
      const form = new RunFormDialog(anna);
      await shown(form.variable('HOST'));
      assert.equal(await form.variable('HOST').getAttribute('aria-required'), 'true');
      assert.equal(await form.variable('COUNT').inputValue(), '3', 'the declared default is filled in');
      assert.equal(await form.variable('VERBOSE').getAttribute('type'), 'checkbox');
      assert.equal(await form.variable('VERBOSE').isChecked(), false);
      assert.equal(await form.variable('MODE').inputValue(), 'quick');
      assert.deepEqual(await form.options(form.variable('MODE')), ['quick', 'full']);
      assert.equal(await form.variable('API_PASSWORD').getAttribute('type'), 'password', 'a sensitive value is typed unseen');
      // Only vault items bound to this bundle are offered; the one of the secret's name is chosen.
      assert.deepEqual(await form.options(form.vaultPicker('api-token')), ['Choose a vault item', 'api-token']);
      assert.equal(await form.vaultPicker('api-token').inputValue(), 'api-token');
      await shown(form.dialog.getByText('Pattern: [a-z0-9.-]+'));
      await shoot(anna, 'form-05-run-form', { fullPage: false });

      // Nothing sent yet: required fields say so where they are.
      await form.start();
      await form.expectError('HOST', 'Required: give a value.');
      await form.expectError('INPUT', 'Choose a file: this variable is required.');
      await form.setValue('HOST', 'Not A Host!');
      await form.setValue('COUNT', 'three');
      await form.start();
      await form.expectError('HOST', 'Does not match the pattern [a-z0-9.-]+ (for example db1.dc).');
      await form.expectError('COUNT', 'Enter a number.');
      assert.equal(await form.variable('HOST').getAttribute('aria-invalid'), 'true');
      await shoot(anna, 'form-06-run-form-errors', { fullPage: false });

      // The core checks again whatever the page sends.
      const bypass = await anna.evaluate(
        async (bundle) => await window.api!.call('runs.start', { bundle, task: 'typed', values: { HOST: 'Not A Host!' } }),
        fixture,
      );
      assert.equal(!bypass.ok && bypass.error.code, 'INVALID_INPUT');
      assert.match(!bypass.ok ? bypass.error.message : '', /does not match the pattern/);

      await form.setValue('HOST', 'db1.dc');
      await form.setValue('COUNT', '5');
      await form.variable('VERBOSE').check();
      await form.variable('MODE').selectOption('full');
      await form.setValue('API_PASSWORD', SENSITIVE);
      const picked = join(files, 'hosts.txt');
      writeFileSync(picked, 'hello from the picked file\nsecond\n');
      harness.dialogs.open.push(picked);
      await form.chooseFile('INPUT', picked);
      await form.expectNoError('HOST');
      await form.start();
      const run = new RunPage(anna);
      await run.waitForOutcome('succeeded, 1 critical');
      await shown(run.log.getByText('HOST=db1.dc COUNT=5 VERBOSE=true MODE=full'));
      await shown(run.log.getByText('first: hello from the picked file'));
      await shown(run.log.getByText(/secret bytes: 16/));
      await shown(run.log.getByText(`password given: ${SENSITIVE.length} characters`));
    },
  );

  it(
    'issues across runs: most severe first, with next steps and a link to the run; the dashboard counts them',
    { skip: ENGINE_SKIP },
    async () => {
      const runId = new URL(anna.url()).hash.replace('#/runs/', '');
      const shell = new ShellPage(anna);
      await shell.open('Issues');
      const issues = new IssuesPage(anna);
      await shown(issues.issue('No backup of db1.dc'));
      const items = await issues.list.getByRole('listitem').allInnerTexts();
      assert.match(items[0]!, /^Critical/);
      assert.match(items[0]!, /Start the backup job for the host, then run this task again\./);
      assert.match(items[1]!, /^Minor[\s\S]*Clock drift/);
      assert.equal(await issues.count('Critical'), 1);
      assert.equal(await issues.count('Minor'), 1);
      await shoot(anna, 'form-07-issues');
      await anna.getByLabel('At least as severe as').selectOption({ label: 'Major' });
      await issues.issue('Clock drift').waitFor({ state: 'detached' });
      assert.equal(await issues.list.getByRole('listitem').count(), 1);
      await issues.issue('No backup of db1.dc').getByRole('link', { name: runId }).click();
      await shown(new RunPage(anna).issues.getByText('No backup of db1.dc'));

      await shell.open('Dashboard');
      const cards = new DashboardPage(anna);
      await shown(cards.openIssues.getByRole('list', { name: 'Issues by severity' }));
      assert.match(await cards.openIssues.innerText(), /Critical\s*1[\s\S]*Minor\s*1/);
      await shoot(anna, 'form-08-dashboard-open-issues');
    },
  );

  let waiting = '';

  it(
    'approvals: a read-write run needs a reason and waits; its starter cannot approve it, another operator does, and it runs',
    { skip: ENGINE_SKIP },
    async () => {
      await new ShellPage(anna).open('Catalog');
      await new CatalogPage(anna).runButton('Change a setting').click();
      const form = new RunFormDialog(anna);
      await shown(form.dialog.getByRole('status').filter({ hasText: 'Approval is required here' }));
      await form.start();
      await form.expectError('Reason', 'A read-write task needs a written reason.');
      await shoot(anna, 'form-09-run-form-read-write', { fullPage: false });
      await form.start('Ticket 4711: the setting must change before the maintenance window.');
      const run = new RunPage(anna);
      await shown(run.status.getByText('awaiting approval'));
      waiting = new URL(anna.url()).hash.replace('#/runs/', '');
      // The starter is not offered the control, and the API refuses anyway.
      assert.equal(await anna.getByRole('button', { name: 'Approve run' }).count(), 0);
      const self = await anna.evaluate(async (id) => await window.api!.call('runs.approve', { id }), waiting);
      assert.equal(!self.ok && self.error.code, 'FORBIDDEN');
      await shoot(anna, 'form-10-run-awaiting-approval');

      const bert = await signInFirstTime(OP_B);
      await bert.evaluate((id) => (window.location.hash = `#/runs/${id}`), waiting);
      const seen = new RunPage(bert);
      await shown(seen.status.getByText('awaiting approval'));
      await shown(bert.getByText('Reason: Ticket 4711: the setting must change before the maintenance window.'));
      await bert.getByRole('button', { name: 'Approve run' }).click();
      await seen.waitForOutcome('succeeded');
      await shown(seen.log.getByText('changed with care'));
      // The starter's window follows the run to its end.
      await run.waitForOutcome('succeeded');
      const shown2 = await anna.evaluate(async (id) => await window.api!.call('runs.show', { id }), waiting);
      assert.ok(shown2.ok);
      assert.equal(shown2.value.approvedBy, OP_B.name);
    },
  );

  it('an auditor verifies an export against the site CA picked on the Verify screen', { skip: opensslMissing }, async () => {
    const auditor = await signInFirstTime(AUDITOR);
    const shell = new ShellPage(auditor);
    await shell.open('Audit export');
    const bundle = join(files, 'audit-1.tar.gz');
    harness.dialogs.save.push(bundle);
    await new AuditExportPage(auditor).export({ redact: null });
    await shell.open('Verify audit bundles');
    const verify = new VerifyPage(auditor);
    await verify.caCertificate.setInputFiles({ name: 'site-ca.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(site!.caPem) });
    await shown(auditor.getByText('Signers must chain to site-ca.pem.'));
    harness.dialogs.open.push(bundle);
    await verify.verify(1);
    const result = await verify.result.innerText();
    assert.match(result, /All 1 bundle verified/);
    assert.match(result, /North DC audit.*\(chains to the given CA\)/);
    await shoot(auditor, 'form-11-verify-with-ca');
    // Not PEM: said next to the field, nothing sent.
    await verify.caCertificate.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await shown(auditor.getByText('notes.txt holds no PEM certificate'));
  });

  it('no page logged a CSP, Trusted Types or script error, and the sensitive value is nowhere on screen', async () => {
    assert.deepEqual(windows.errors.flat(), []);
    if (anna) assert.ok(!(await anna.content()).includes(SENSITIVE));
  });
});
