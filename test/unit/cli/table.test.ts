/**
 * The CLI's one command table (src/cli/table.ts): every command's synopsis, flags and example agree,
 * and the parser built on it refuses what it does not declare, with the nearest known name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/kernel';
import { COMMANDS, GLOBAL_FLAGS, commandName, findCommand, takesArguments } from '../../../src/cli/table';
import { parseCommandLine, suggest } from '../../../src/cli/parse';
import { words } from '../../../src/cli/output';
import { commandHelp, globalHelp } from '../../../src/cli/help';

/** A command line as a shell would split it: quotes kept together, redirections dropped. */
function shellWords(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    const word = m[1] ?? m[2] ?? m[3]!;
    if (m[3] && /^[<>]/.test(word)) break;
    out.push(word);
  }
  return out;
}

function refused(argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseCommandLine(argv),
    (e: unknown) => e instanceof ApiError && e.code === 'INVALID_INPUT' && pattern.test(e.message),
    `${argv.join(' ')} should be refused with ${pattern}`,
  );
}

test('every command has an area, a summary and an example that parses back to the same command with its flags', () => {
  for (const c of COMMANDS) {
    assert.ok(c.summary.length > 0, commandName(c));
    assert.ok(c.examples.length > 0, `${commandName(c)} has no example`);
    for (const example of c.examples) {
      const request = parseCommandLine(shellWords(example));
      assert.equal(request.kind, 'run', example);
      if (request.kind === 'run')
        assert.equal(request.command, c, `"${example}" runs ${commandName(request.command)}, not ${commandName(c)}`);
    }
  }
});

test('the synopsis names exactly the declared flags, and a flag name means the same in every command', () => {
  const valued = new Map<string, boolean>();
  for (const c of COMMANDS) {
    const inUsage = new Set([...c.usage.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!));
    const declared = new Set(Object.keys(c.flags ?? {}));
    for (const name of inUsage)
      assert.ok(declared.has(name) || GLOBAL_FLAGS[name], `${commandName(c)}: --${name} is in the usage but not declared`);
    for (const name of declared) assert.ok(inUsage.has(name), `${commandName(c)}: --${name} is declared but not in the usage`);
    for (const [name, spec] of Object.entries(c.flags ?? {})) {
      assert.ok(!GLOBAL_FLAGS[name] || name === 'json', `${commandName(c)}: --${name} is a global flag`);
      const known = valued.get(name);
      assert.ok(known === undefined || known === (spec.value !== undefined), `--${name} takes a value in one command and not in another`);
      valued.set(name, spec.value !== undefined);
    }
  }
});

test('whether a command takes arguments is read from its synopsis', () => {
  const takes = (path: string) => takesArguments(findCommand(path.split(' '))!.command);
  for (const path of ['run', 'runs show', 'user passwd', 'restore', 'policy allow', 'audit verify', 'completion', 'help', 'mirror list'])
    assert.equal(takes(path), true, path);
  for (const path of ['init', 'runs list', 'bundle list', 'audit identity', 'redact preview', 'redact unmap', 'purge', 'retention set'])
    assert.equal(takes(path), false, path);
});

test('unknown commands and flags are refused with the nearest known name; values are checked against their choices', () => {
  refused(['runs', 'list', '--limt', '5'], /Unknown flag --limt for "runs list"; did you mean --limit\?/);
  refused(['bundel', 'list'], /Unknown command "bundel" for airgap-runner; did you mean "bundle"\?/);
  refused(['runs', 'lst'], /Unknown command "lst" for "airgap-runner runs"; did you mean "runs list"\?/);
  refused(['audit', 'identity', 'genrate'], /did you mean "audit identity generate"\?/);
  refused(
    ['runs', 'list', '--state', 'runing'],
    /--state is one of awaiting-approval, queued, running, finished \(got "runing"; did you mean running\?\)/,
  );
  refused(['bundle', 'list', 'extra'], /"bundle list" takes no arguments/);
  refused(['runs', 'list', '--limit'], /--limit needs a value/);
  refused(['trust', 'list', '--all=yes'], /--all takes no value/);
  refused(['runs', 'show', 'r1', '--follow'], /Unknown flag --follow for "runs show"/);
  refused(['--password', 'x', 'whoami'], /never taken from arguments/);
  refused(['completion', 'fish'], /takes one of bash, zsh/);
  refused(['run', 'b', 't', '--reason', 'a', '--reason', 'b'], /--reason is given 2 times/);
});

test('flags may come before the command, values with = or apart, and repeatable flags collect', () => {
  const r = parseCommandLine(['--json', '--set', 'A=1', 'run', '--home=/h', 'b', 't', '--set', 'B=2', '--follow']);
  assert.equal(r.kind, 'run');
  if (r.kind !== 'run') return;
  assert.equal(commandName(r.command), 'run');
  assert.deepEqual(r.args.positionals, ['b', 't']);
  assert.deepEqual(r.args.flags.get('set'), ['A=1', 'B=2']);
  assert.equal(r.parsed.home, '/h');
  assert.equal(r.parsed.json, true);
  assert.deepEqual(parseCommandLine(['runs', 'list', '--help']), {
    kind: 'help',
    path: ['runs', 'list'],
    parsed: (parseCommandLine(['runs', 'list', '--help']) as { parsed: unknown }).parsed,
  });
  assert.equal(parseCommandLine(['-h']).kind, 'help');
  assert.equal(parseCommandLine(['--version']).kind, 'version');
  assert.equal(parseCommandLine(['runs']).kind, 'help');
});

test('suggestions, words for keys, and the help texts', () => {
  assert.equal(suggest('limt', ['limit', 'state']), 'limit');
  assert.equal(suggest('stat', ['limit', 'state']), 'state');
  assert.equal(suggest('zzzzzz', ['limit', 'state']), undefined);
  assert.equal(words('startedBy'), 'started by');
  assert.equal(words('mustChangePassword'), 'must change password');
  assert.equal(words('sha256'), 'sha256');
  assert.equal(words('lastExport'), 'last export');
  const help = globalHelp();
  for (const title of ['Setup and store:', 'Runs:', 'Audit trail:', 'Help and shell:']) assert.ok(help.includes(`\n${title}\n`), title);
  for (const c of COMMANDS) assert.ok(help.includes(`  ${commandName(c)} `), commandName(c));
  const runHelp = commandHelp(findCommand(['run'])!.command);
  assert.match(runHelp, /^ {2}--set NAME=VALUE +A variable of the task\. \(may be repeated\)$/m);
  assert.match(runHelp, /^Examples:\n {2}airgap-runner run host-health check-disk-usage --follow$/m);
});
