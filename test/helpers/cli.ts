/** Runs the real CLI (`src/cli/main.ts` through tsx) as a separate process, as a user would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], env: Record<string, string | undefined> = {}, input?: string): CliResult {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('AIRGAP_RUNNER_')) delete clean[k];
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...clean, ...env },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The one error line the CLI prints on failure. */
export function errorLine(r: CliResult): { code: string; message: string; hint?: string } | null {
  const lines = r.stderr.trim().split('\n').filter(Boolean);
  const hint = splitHint(lines);
  if (lines.length !== 1) return null;
  const m = /^error ([A-Z_]+): (.+)$/.exec(lines[0]!);
  return m ? { code: m[1]!, message: m[2]!, ...(hint ? { hint } : {}) } : null;
}

/** Takes the `hint: COMMAND` line the CLI prints under an error that names a next step off `lines`. */
export function splitHint(lines: string[]): string | undefined {
  const last = lines[lines.length - 1];
  if (!last?.startsWith('hint: ')) return undefined;
  lines.pop();
  return last.slice('hint: '.length);
}

/**
 * Runs the real CLI on a pseudo-terminal (util-linux `script`), as at an operator's terminal: stdout
 * and stderr arrive together in `stdout`, with the terminal's \r\n line ends.
 */
export function cliOnTerminal(args: string[], env: Record<string, string | undefined> = {}): CliResult {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('AIRGAP_RUNNER_') || k === 'NO_COLOR') delete clean[k];
  const command = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: root,
    env: { ...clean, TERM: 'xterm', COLUMNS: '200', ...env },
    input: '',
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
