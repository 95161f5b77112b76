/** Processes for the service tests: the real CLI (`src/cli/main.ts` through tsx), as a service or as a client. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { servicePaths, WireClient } from '../../../src/kernel';
import { splitHint } from '../../helpers/cli';

export const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface Ended {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface Proc {
  child: ChildProcess;
  done: Promise<Ended>;
  /** What it printed so far. */
  output(): string;
}

function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(clean)) if (k.startsWith('AIRGAP_RUNNER_')) delete clean[k];
  return { ...clean, ...env };
}

/** Starts `airgap-runner --home HOME ARGS…` in the background. */
export function cliProcess(home: string, args: string[], env: Record<string, string | undefined> = {}, extra: SpawnOptions = {}): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--home', home, ...args], {
    cwd: root,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...extra,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Ended>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, output: () => stdout + stderr };
}

/** Runs one CLI command to its end. */
export async function cliRun(
  home: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  extra: SpawnOptions = {},
): Promise<Ended> {
  return await cliProcess(home, args, env, extra).done;
}

/** Starts `airgap-runner service` and waits until it answers on its socket (or fails if it exits first). */
export async function startService(home: string, env: Record<string, string | undefined> = {}, extra: SpawnOptions = {}): Promise<Proc> {
  const proc = cliProcess(home, ['service'], env, extra);
  const end = Date.now() + 60_000;
  let exited: Ended | null = null;
  void proc.done.then((e) => (exited = e));
  while (Date.now() < end) {
    if (exited) throw new Error(`the service exited: ${JSON.stringify(exited)}`);
    if (existsSync(servicePaths(home).socket) && /serving/.test(proc.output())) {
      try {
        (await WireClient.connect(servicePaths(home).socket, 2000)).close();
        return proc;
      } catch (error) {
        // A refusal is an answer too (a service running as another user refuses this process).
        if ((error as { shape?: unknown }).shape) return proc;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.child.kill('SIGKILL');
  throw new Error(`the service did not answer: ${proc.output()}`);
}

/** The one error line the CLI prints on failure (and the command of its hint line, when it has one). */
export function errorOf(e: Ended): { code: string; message: string; hint?: string } | null {
  const lines = e.stderr.trim().split('\n').filter(Boolean);
  const hint = splitHint(lines);
  const m = /^error ([A-Z_]+): (.+)$/.exec(lines[lines.length - 1] ?? '');
  return m ? { code: m[1]!, message: m[2]!, ...(hint ? { hint } : {}) } : null;
}
