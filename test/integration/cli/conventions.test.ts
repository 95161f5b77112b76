/**
 * The CLI's conventions (issue 15), through the real CLI process against a real encrypted store in a
 * temp home: per-command help with an example, the global help grouped by area, --version; unknown
 * commands and flags refused with a suggestion (exit 2, nothing changed); JSON errors under --json;
 * words, not camelCase keys; colour and progress only on a terminal (NO_COLOR honoured); bash and zsh
 * completion from the same table as the parser; mirror list without signature artefacts unless --all.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { insertBundle } from '../../../src/bundles/catalog';
import { RunRecords } from '../../../src/runner';
import { COMMANDS, GLOBAL_FLAGS, childrenOf, commandName } from '../../../src/cli/table';
import { artifactFromImage, buildImage, signatureTagFor, writeOciLayout } from '../../../src/oci';
import { addUser, initialisedCore, tempDir } from '../../helpers/core';
import { hex, NOW, sampleBundle } from '../../helpers/bundles';
import { cli, cliOnTerminal, errorLine, type CliResult } from '../../helpers/cli';
import { classicArtifact, TRUSTED_KEY } from '../import/fixture';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
// eslint-disable-next-line no-control-regex
const ESC = /\u001b\[/;

let home: string;
let admin: Record<string, string>;
let operator: Record<string, string>;
let auditor: Record<string, string>;

before(async () => {
  home = join(tempDir('agr-cli-conv-'), 'home');
  const env = await initialisedCore({ home });
  const op = await addUser(env.core, env.admin, 'oper', ['operator']);
  const aud = await addUser(env.core, env.admin, 'audrey', ['auditor']);
  insertBundle(env.core.store.db, sampleBundle('service-restart', 'a'));
  const records = new RunRecords(env.core.store.db);
  records.insert({
    id: 'r-conv000001',
    bundle: { name: 'service-restart', version: '1.0.0', digest: hex('a') },
    imageId: hex('b'),
    task: { id: 'check-service-status', title: 'Check Service Status', access: 'read-only' },
    startedBy: 'oper',
    reason: null,
    config: { values: {}, files: {}, secrets: {} },
    state: 'queued',
    approvalRequired: false,
    instanceId: 'i',
    createdAt: NOW,
    timeoutSeconds: 30,
  });
  records.finish('r-conv000001', { outcome: 'failed', endedAt: NOW, exitCode: 3, issues: [] });
  await env.core.close();
  const base = { AIRGAP_RUNNER_HOME: home };
  admin = { ...base, AIRGAP_RUNNER_USER: 'admin', AIRGAP_RUNNER_PASSWORD: 'admin-password-123' };
  operator = { ...base, AIRGAP_RUNNER_USER: 'oper', AIRGAP_RUNNER_PASSWORD: op.password };
  auditor = { ...base, AIRGAP_RUNNER_USER: 'audrey', AIRGAP_RUNNER_PASSWORD: aud.password };
});

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r;
}

/** The section of the global help under a heading, up to the next blank line. */
function section(help: string, title: string): string[] {
  const start = help.indexOf(`\n${title}\n`);
  assert.ok(start >= 0, `no "${title}" in the help`);
  return help
    .slice(start + title.length + 2)
    .split('\n\n')[0]!
    .split('\n');
}

describe('help and version', () => {
  test('COMMAND --help, -h and help COMMAND print its usage, flags and an example, exit 0, without opening a store', () => {
    const nowhere = join(tempDir(), 'no-home');
    const r = ok(cli(['--home', nowhere, 'runs', 'list', '--help']), 'runs list --help');
    assert.match(r.stdout, /^Usage: airgap-runner runs list \[--state STATE\] \[--limit N\]$/m);
    assert.match(r.stdout, /^ {2}--state STATE +Only runs in this state\. \(one of: awaiting-approval, queued, running, finished\)$/m);
    assert.match(r.stdout, /^ {2}--json +Print JSON on stdout, and errors as JSON on stderr\.$/m);
    assert.match(r.stdout, /^Examples:\n {2}airgap-runner runs list\n {2}airgap-runner runs list --state running --limit 20$/m);
    assert.equal(existsSync(nowhere), false, 'help creates no home');
    assert.equal(ok(cli(['help', 'runs', 'list']), 'help runs list').stdout, r.stdout);
    assert.equal(ok(cli(['runs', 'list', '-h']), 'runs list -h').stdout, r.stdout);
    const run = ok(cli(['run', '--help']), 'run --help');
    assert.match(run.stdout, /^ {2}--set NAME=VALUE +A variable of the task\. \(may be repeated\)$/m);
    assert.match(run.stdout, /^ {2}airgap-runner run host-health check-disk-usage --follow$/m);
  });

  test('the global help is grouped by area and lists every command once; a group shows its commands', () => {
    const r = ok(cli(['--help']), '--help');
    assert.match(r.stdout, /^Usage: airgap-runner \[--home DIR\] \[--user NAME\] COMMAND \[ARGS\] \[--json\]$/m);
    const runs = section(r.stdout, 'Runs:').map((l) => l.trim().split(/\s{2,}/)[0]);
    assert.deepEqual(runs, ['run', 'runs list', 'runs show', 'runs logs', 'runs approve', 'runs cancel']);
    assert.ok(section(r.stdout, 'Audit trail:').some((l) => l.startsWith('  audit list ')));
    assert.ok(section(r.stdout, 'Help and shell:').some((l) => l.startsWith('  completion ')));
    for (const c of COMMANDS) {
      const name = new RegExp(`^ {2}${commandName(c)}(\\s{2,}|$)`);
      const lines = r.stdout.split('\n').filter((l) => name.test(l));
      assert.equal(lines.length, 1, `${commandName(c)} is listed once`);
    }
    const group = ok(cli(['runs', '--help']), 'runs --help');
    assert.match(group.stdout, /^Usage: airgap-runner runs COMMAND/m);
    assert.match(group.stdout, /^ {2}runs cancel +Cancel a run/m);
    const bare = cli(['runs']);
    assert.equal(bare.code, 2, 'a group without a command is a usage error');
    assert.equal(bare.stdout, group.stdout);
  });

  test('--version and version print the package version; --json gives it as JSON', () => {
    assert.equal(ok(cli(['--version']), '--version').stdout, `airgap-runner ${VERSION}\n`);
    assert.equal(ok(cli(['version']), 'version').stdout, `airgap-runner ${VERSION}\n`);
    assert.deepEqual(JSON.parse(ok(cli(['--version', '--json']), '--version --json').stdout), { version: VERSION });
  });
});

describe('refusals and errors', () => {
  test('unknown commands and flags are refused with a suggestion, exit 2, and nothing changes', () => {
    const head = () => JSON.parse(ok(cli(['audit', 'head', '--json'], admin), 'audit head').stdout) as { seq: number };
    const before = head();

    const flag = cli(['runs', 'list', '--limt', '5'], admin);
    assert.equal(flag.code, 2);
    assert.equal(flag.stdout, '');
    assert.deepEqual(errorLine(flag), {
      code: 'INVALID_INPUT',
      message: 'Unknown flag --limt for "runs list"; did you mean --limit? Run "airgap-runner runs list --help" for its flags.',
    });
    const command = cli(['bundel', 'list'], admin);
    assert.equal(command.code, 2);
    assert.match(errorLine(command)?.message ?? '', /^Unknown command "bundel" for airgap-runner; did you mean "bundle"\?/);
    const sub = cli(['runs', 'lst'], admin);
    assert.equal(sub.code, 2);
    assert.match(errorLine(sub)?.message ?? '', /did you mean "runs list"\?/);
    const add = cli(['user', 'add', 'eve', '--rol', 'admin'], { ...admin, AIRGAP_RUNNER_NEW_PASSWORD: 'eve-password-12345' });
    assert.equal(add.code, 2);
    assert.match(errorLine(add)?.message ?? '', /Unknown flag --rol for "user add"; did you mean --role\?/);
    const value = cli(['runs', 'list', '--state', 'runing'], admin);
    assert.equal(value.code, 2);
    assert.match(errorLine(value)?.message ?? '', /did you mean running\?/);

    // The only event since is the sign-in of the audit head that reads it: the refusals signed nobody in.
    assert.equal(head().seq, before.seq + 1, 'a refused command line records and changes nothing');
    assert.doesNotMatch(ok(cli(['user', 'list'], admin), 'user list').stdout, /^eve /m);
  });

  test('with --json an error is one JSON object on stderr and stdout is empty; without it one "error CODE:" line', () => {
    const shape = (r: CliResult) => {
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      return JSON.parse(lines[0]!) as { error: { code: string; message: string } };
    };
    const missing = cli(['runs', 'show', 'r-zzzz000001', '--json'], admin);
    assert.equal(missing.code, 5);
    const parsed = shape(missing);
    assert.deepEqual(Object.keys(parsed), ['error']);
    assert.deepEqual(Object.keys(parsed.error), ['code', 'message']);
    assert.equal(parsed.error.code, 'NOT_FOUND');
    const usage = cli(['--json', 'runs', 'list', '--limt', '5'], admin);
    assert.equal(usage.code, 2);
    assert.equal(shape(usage).error.code, 'INVALID_INPUT');
    assert.match(shape(usage).error.message, /did you mean --limit\?/);
    const wrong = cli(['whoami', '--json'], { ...admin, AIRGAP_RUNNER_PASSWORD: 'not-the-password-1' });
    assert.equal(wrong.code, 3);
    assert.equal(shape(wrong).error.code, 'UNAUTHENTICATED');
    assert.equal(errorLine(cli(['runs', 'show', 'r-zzzz000001'], admin))?.code, 'NOT_FOUND');
  });

  test('an error with a next step: the message says it in words, the CLI adds the command as a hint line (and in --json)', () => {
    const empty = { AIRGAP_RUNNER_HOME: join(tempDir('agr-cli-hint-'), 'home'), AIRGAP_RUNNER_USER: 'admin', AIRGAP_RUNNER_PASSWORD: 'x' };
    const text = cli(['whoami'], empty);
    assert.equal(text.code, 5);
    const [line, hint, ...rest] = text.stderr.trim().split('\n');
    assert.match(line!, /^error NOT_FOUND: No store in .*Create one first, or restore a backup\.$/);
    assert.doesNotMatch(line!, /airgap-runner/, 'the core message names no command: the window shows it too');
    assert.equal(hint, 'hint: airgap-runner init --admin NAME  (or restore a backup: airgap-runner restore FILE)');
    assert.deepEqual(rest, []);
    const json = cli(['whoami', '--json'], empty);
    assert.equal(json.stdout, '');
    const parsed = JSON.parse(json.stderr.trim()) as { error: Record<string, string> };
    assert.deepEqual(Object.keys(parsed.error), ['code', 'message', 'next', 'hint']);
    assert.equal(parsed.error.next, 'init');
    assert.match(parsed.error.hint!, /^airgap-runner init --admin NAME/);
    assert.equal(existsSync(empty.AIRGAP_RUNNER_HOME), false, 'nothing was created');
  });
});

describe('text output', () => {
  test('keys and table headers are words, not camelCase; booleans are yes/no; setting keys stay as typed', () => {
    const camel = /[a-z][A-Z]/;
    const keyColumn = (stdout: string) =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/\s{2,}/)[0]!);
    const whoami = ok(cli(['whoami'], admin), 'whoami').stdout;
    assert.match(whoami, /^must change password {2}no$/m);
    const shown = ok(cli(['runs', 'show', 'r-conv000001'], admin), 'runs show').stdout;
    assert.match(shown, /^started by +oper$/m);
    assert.match(shown, /^exit code +3$/m);
    for (const [what, stdout] of [
      ['whoami', whoami],
      ['runs show', shown.split('\n\n')[0]!],
      ['audit status', ok(cli(['audit', 'status'], admin), 'audit status').stdout],
      ['retention show', ok(cli(['retention', 'show'], admin), 'retention show').stdout],
    ] as const) {
      for (const key of keyColumn(stdout)) assert.doesNotMatch(key, camel, `${what}: "${key}"`);
    }
    const users = ok(cli(['user', 'list'], admin), 'user list').stdout.split('\n')[0]!;
    assert.match(users, /^NAME +ROLES +MUST CHANGE PASSWORD +CREATED AT$/);
    const runs = ok(cli(['runs', 'list'], admin), 'runs list').stdout.split('\n')[0]!;
    assert.match(runs, /STARTED BY +CREATED AT/);
    assert.match(ok(cli(['settings', 'get'], admin), 'settings get').stdout, /^audit\.exportOverdueDays +7$/m);
  });

  test('colour only on a terminal and never with NO_COLOR; progress only on a terminal and not under --json', () => {
    const onTerminal = cliOnTerminal(['runs', 'show', 'r-zzzz000001'], admin);
    assert.equal(onTerminal.code, 5, onTerminal.stdout);
    assert.ok(onTerminal.stdout.includes('\u001b[31merror\u001b[0m NOT_FOUND:'), JSON.stringify(onTerminal.stdout));
    const noColour = cliOnTerminal(['runs', 'show', 'r-zzzz000001'], { ...admin, NO_COLOR: '1' });
    assert.match(noColour.stdout, /^error NOT_FOUND:/m);
    assert.doesNotMatch(noColour.stdout, ESC);
    const piped = cli(['runs', 'show', 'r-zzzz000001'], admin);
    assert.doesNotMatch(piped.stderr, ESC);

    const table = cliOnTerminal(['user', 'list'], admin);
    assert.ok(table.stdout.includes('\u001b[1mNAME'), JSON.stringify(table.stdout.slice(0, 200)));
    assert.doesNotMatch(cliOnTerminal(['user', 'list'], { ...admin, NO_COLOR: '1' }).stdout, ESC);
    assert.doesNotMatch(ok(cli(['user', 'list'], admin), 'user list').stdout, ESC);

    const out = (name: string) => join(tempDir(), `${name}.tar.gz`);
    const exported = cliOnTerminal(['audit', 'export', '--out', out('tty')], auditor);
    assert.equal(exported.code, 0, exported.stdout);
    assert.match(exported.stdout, /\r(exporting: \d+ events|signing|done)/, 'progress on a terminal');
    const quiet = cli(['audit', 'export', '--out', out('piped')], auditor);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '', 'no progress when stderr is not a terminal');
    const json = cliOnTerminal(['audit', 'export', '--out', out('json'), '--json'], auditor);
    assert.equal(json.code, 0, json.stdout);
    assert.doesNotMatch(json.stdout, /\r(exporting|signing|done)/, 'no progress under --json');
  });
});

describe('shell completion', () => {
  let bashScript: string;
  before(() => {
    bashScript = join(tempDir(), 'airgap-runner.bash');
    writeFileSync(bashScript, ok(cli(['completion', 'bash']), 'completion bash').stdout);
  });

  /** What bash offers for the words typed so far (the last one is being completed). */
  function complete(words: string[]): string[] {
    const r = spawnSync(
      'bash',
      [
        '-c',
        'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _airgap_runner; printf "%s\\n" "${COMPREPLY[@]}"',
        'bash',
        bashScript,
        'airgap-runner',
        ...words,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  test('bash: commands, subcommands, flags, flag values and files complete as the parser reads them', () => {
    const registered = spawnSync('bash', ['-c', 'source "$1"; complete -p airgap-runner', 'bash', bashScript], { encoding: 'utf8' });
    assert.equal(registered.stdout.trim(), 'complete -F _airgap_runner airgap-runner');
    assert.deepEqual(complete(['ru']), ['run', 'runs']);
    assert.deepEqual(complete(['runs', 'l']), ['list', 'logs']);
    assert.deepEqual(complete(['runs', 'list', '--l']), ['--limit']);
    assert.deepEqual(complete(['runs', 'list', '--state', '']), ['awaiting-approval', 'finished', 'queued', 'running']);
    assert.deepEqual(
      complete(['--home', '/tmp', '--user', 'x', 'runs', 'list', '--state', 'r']),
      ['running'],
      'values of global flags are skipped',
    );
    assert.deepEqual(complete(['audit', 'identity', 'g']), ['generate']);
    assert.deepEqual(complete(['completion', '']), ['bash', 'zsh']);
    assert.deepEqual(complete(['user', 'add', 'bob', '--role', '']), ['admin', 'auditor', 'operator', 'viewer']);
    assert.deepEqual(complete(['runs', 'show', 'r-1', '']), [], 'nothing after a run id');
    const dir = tempDir();
    writeFileSync(join(dir, 'cosign.pub'), '');
    assert.deepEqual(complete(['trust', 'add-key', join(dir, 'cos')]), [join(dir, 'cosign.pub')]);
    assert.deepEqual(complete(['backup', '--out', join(dir, 'c')]), [join(dir, 'cosign.pub')]);
  });

  test('bash: every command completes to exactly the flags it declares, every group to its commands (one table)', () => {
    const globals = Object.keys(GLOBAL_FLAGS).map((n) => `--${n}`);
    for (const c of COMMANDS) {
      const expected = [...new Set([...Object.keys(c.flags ?? {}).map((n) => `--${n}`), ...globals])].sort();
      assert.deepEqual(complete([...c.path, '--']), expected, commandName(c));
    }
    for (const prefix of [[], ['runs'], ['audit'], ['redact', 'patterns']]) {
      assert.deepEqual(complete([...prefix, '']), childrenOf(prefix).sort(), prefix.join(' ') || '(top)');
    }
  });

  test('zsh: the script loads after compinit, registers airgap-runner and offers the same words', (t) => {
    if (spawnSync('zsh', ['--version']).status !== 0)
      return t.skip('zsh is not installed (apt-get install zsh; scripts/setup-debian.sh installs it)');
    const script = join(tempDir(), 'airgap-runner.zsh');
    writeFileSync(script, ok(cli(['completion', 'zsh']), 'completion zsh').stdout);
    // zsh's bashcompinit calls the function with ksh arrays (0-based), as set here; its compgen leaves
    // the prefix filtering to zsh, so the offers are checked for the right words, not an exact list.
    const r = spawnSync(
      'zsh',
      [
        '-f',
        '-c',
        `autoload -U compinit && compinit -u -D
         source "$1"
         print -r -- "registered: $_comps[airgap-runner]"
         t() { setopt localoptions ksharrays; COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _airgap_runner; print -r -- "\${COMPREPLY[*]}"; }
         t airgap-runner runs l
         t airgap-runner --home /tmp runs list --state ''
         t airgap-runner redact preview --rule-set ''`,
        'zsh',
        script,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const [registered, runs, states, ruleSets] = r.stdout.trim().split('\n');
    assert.equal(registered, 'registered: _bash_complete -F _airgap_runner');
    assert.ok(runs!.split(' ').includes('list') && runs!.split(' ').includes('logs') && !runs!.includes('--'), runs);
    assert.deepEqual(states!.split(' ').sort(), ['awaiting-approval', 'finished', 'queued', 'running']);
    assert.deepEqual(ruleSets!.split(' '), ['default', 'strict']);
  });
});

describe('mirror list', () => {
  test('shows the bundles of a mirror; its signature artefacts only with --all', async () => {
    const mirror = join(tempDir('agr-cli-mirror-'), 'mirror');
    const image = await buildImage({
      files: [{ path: '/codebundle/codebundle.yaml', content: 'name: listed\n' }],
      config: { labels: { 'io.airgap-runner.codebundle': '/codebundle/codebundle.yaml' } },
    });
    const sig = classicArtifact(image.manifestDigest, TRUSTED_KEY, 'samples/listed');
    assert.equal(sig.tag, signatureTagFor(image.manifestDigest));
    await writeOciLayout(mirror, [
      { artifact: artifactFromImage(image), refs: ['samples/listed:1.0.0'] },
      { artifact: sig.artifact, refs: [`samples/listed:${sig.tag}`] },
    ]);
    const source = `oci:${mirror}`;

    const plain = ok(cli(['mirror', 'list', source], operator), 'mirror list');
    assert.deepEqual(plain.stdout.trim().split('\n'), ['REPOSITORY      TAG', 'samples/listed  1.0.0']);
    assert.equal(plain.stderr, '1 signature artefact not shown (--all shows them).\n');

    const all = ok(cli(['mirror', 'list', source, '--all'], operator), 'mirror list --all');
    assert.match(all.stdout, /^REPOSITORY +TAG +KIND$/m);
    assert.match(all.stdout, /^samples\/listed +1\.0\.0 +image$/m);
    assert.match(all.stdout, new RegExp(`^samples/listed +${sig.tag.replace(/\./g, '\\.')} +signature$`, 'm'));
    assert.equal(all.stderr, '');

    const json = JSON.parse(ok(cli(['mirror', 'list', source, '--json'], operator), 'mirror list --json').stdout) as {
      repositories: Array<{ name: string; tags: Array<{ tag: string; kind: string }> }>;
    };
    assert.deepEqual(json.repositories, [{ name: 'samples/listed', tags: [{ tag: '1.0.0', kind: 'image' }] }]);
    const allJson = JSON.parse(
      ok(cli(['mirror', 'list', source, '--all', '--json'], operator), 'mirror list --all --json').stdout,
    ) as typeof json;
    assert.deepEqual(allJson.repositories[0]!.tags.map((t) => t.kind).sort(), ['image', 'signature']);

    const repo = ok(cli(['mirror', 'list', source, 'samples/listed'], operator), 'mirror list REPO');
    assert.match(repo.stdout, new RegExp(`^samples/listed +1\\.0\\.0 +${image.manifestDigest}$`, 'm'));
    assert.doesNotMatch(repo.stdout, /\.sig/);
  });
});
