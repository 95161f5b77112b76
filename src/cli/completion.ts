/**
 * Shell completion scripts, written from the command table (table.ts), so what completes is what
 * parses. Both are static (no process is started on Tab): bash's uses `complete -F`; zsh's is the
 * same function through zsh's bashcompinit.
 */
import type { Command, FlagSpec } from './commands/types';
import { COMMANDS, commandName, GLOBAL_FLAGS, PROGRAM } from './table';

const FN = '_airgap_runner';

/** A word for a single-quoted shell string. */
function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** What completes a value: listed words, files (@file) or folders (@dir). */
function valueWords(spec: FlagSpec): string {
  if (spec.choices ?? spec.hints) return (spec.choices ?? spec.hints)!.join(' ');
  if (/DIR/.test(spec.value ?? '')) return '@dir';
  if (/FILE|CERT|PATH|\.p12/.test(spec.value ?? '')) return '@file';
  return '';
}

function argWords(command: Command): string {
  const choices = command.argChoices?.();
  if (choices) return choices.join(' ');
  const args = command.usage.split(/\s+/).slice(command.path.length);
  return args.some((a) => /^\(?(FILE|[A-Z_]*FILE|FILE\.p12)/.test(a) && !a.startsWith('--')) ? '@file' : '';
}

function prefixes(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of COMMANDS) {
    for (let i = 0; i < c.path.length; i++) {
      const prefix = c.path.slice(0, i).join(' ');
      const list = out.get(prefix) ?? [];
      if (!list.includes(c.path[i]!)) list.push(c.path[i]!);
      out.set(prefix, list);
    }
  }
  return out;
}

function caseFunction(name: string, entries: Array<[string, string]>): string[] {
  return [
    `${name}() {`,
    '  case $1 in',
    ...entries.filter(([, v]) => v !== '').map(([k, v]) => `    ${k}) REPLY=${sq(v)} ;;`),
    `    *) REPLY='' ;;`,
    '  esac',
    '}',
  ];
}

function functions(): string[] {
  const valued = new Set<string>();
  const values: Array<[string, string]> = [];
  for (const [name, spec] of Object.entries(GLOBAL_FLAGS)) {
    if (spec.value === undefined) continue;
    valued.add(`--${name}`);
    values.push([`*${sq(` --${name}`)}`, valueWords(spec)]);
  }
  for (const c of COMMANDS) {
    for (const [name, spec] of Object.entries(c.flags ?? {})) {
      if (spec.value === undefined) continue;
      valued.add(`--${name}`);
      values.unshift([sq(`${commandName(c)} --${name}`), valueWords(spec)]);
    }
  }
  const globals = Object.keys(GLOBAL_FLAGS).map((n) => `--${n}`);
  return [
    `${FN}_valued=${sq([...valued].sort().join(' '))}`,
    `${FN}_global=${sq(globals.join(' '))}`,
    ...caseFunction(
      `${FN}_children`,
      [...prefixes()].map(([k, v]) => [sq(k), v.join(' ')]),
    ),
    ...caseFunction(
      `${FN}_flags`,
      COMMANDS.map((c) => [
        sq(commandName(c)),
        Object.keys(c.flags ?? {})
          .map((n) => `--${n}`)
          .join(' '),
      ]),
    ),
    ...caseFunction(`${FN}_values`, values),
    ...caseFunction(
      `${FN}_args`,
      COMMANDS.map((c) => [sq(commandName(c)), argWords(c)]),
    ),
    `${FN}_offer() {`,
    '  case $1 in',
    `    @file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;`,
    `    @dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;`,
    `    '') COMPREPLY=() ;;`,
    `    *) COMPREPLY=($(compgen -W "$1" -- "$cur")) ;;`,
    '  esac',
    '}',
    `${FN}() {`,
    `  local cur=\${COMP_WORDS[COMP_CWORD]} prev='' path='' word i skip=0 args=0 REPLY=''`,
    `  (( COMP_CWORD > 0 )) && prev=\${COMP_WORDS[COMP_CWORD-1]}`,
    '  COMPREPLY=()',
    '  # The words so far: the command path, then its arguments; the values of flags are skipped.',
    '  for (( i = 1; i < COMP_CWORD; i++ )); do',
    '    word=${COMP_WORDS[i]}',
    '    if (( skip )); then skip=0; continue; fi',
    '    case $word in',
    '      --*=*) ;;',
    `      --*) [[ " $${FN}_valued " == *" $word "* ]] && skip=1 ;;`,
    '      -*) ;;',
    '      *)',
    `        ${FN}_children "$path"`,
    `        if (( args == 0 )) && [[ " $REPLY " == *" $word "* ]]; then path=\${path:+$path }$word; else args=$(( args + 1 )); fi`,
    '        ;;',
    '    esac',
    '  done',
    '  if (( skip )); then',
    `    ${FN}_values "$path $prev"`,
    `    ${FN}_offer "$REPLY"`,
    '    return 0',
    '  fi',
    '  if [[ $cur == -* ]]; then',
    `    ${FN}_flags "$path"`,
    `    COMPREPLY=($(compgen -W "$REPLY $${FN}_global" -- "$cur"))`,
    '    return 0',
    '  fi',
    `  ${FN}_children "$path"`,
    '  if (( args == 0 )) && [[ -n $REPLY ]]; then',
    '    COMPREPLY=($(compgen -W "$REPLY" -- "$cur"))',
    '  elif [[ -n $path ]]; then',
    "    # A command's arguments: files at any position, listed words only for the first.",
    `    ${FN}_args "$path"`,
    `    if (( args > 0 )) && [[ $REPLY != @file ]]; then REPLY=''; fi`,
    `    ${FN}_offer "$REPLY"`,
    '  fi',
    '  return 0',
    '}',
  ];
}

export function bashCompletion(): string {
  return [
    `# bash completion for ${PROGRAM}, generated by "${PROGRAM} completion bash" from its command table.`,
    `# Load it in ~/.bashrc: source <(${PROGRAM} completion bash)`,
    `# or install it: ${PROGRAM} completion bash > /etc/bash_completion.d/${PROGRAM}`,
    ...functions(),
    `complete -F ${FN} ${PROGRAM}`,
    '',
  ].join('\n');
}

export function zshCompletion(): string {
  return [
    `# zsh completion for ${PROGRAM}, generated by "${PROGRAM} completion zsh" from its command table.`,
    `# Load it in ~/.zshrc, after compinit: source <(${PROGRAM} completion zsh)`,
    "# It is the bash completion function, through zsh's bashcompinit.",
    'autoload -U +X bashcompinit && bashcompinit',
    ...functions(),
    `complete -F ${FN} ${PROGRAM}`,
    '',
  ].join('\n');
}
