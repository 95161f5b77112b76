/** Hidden prompts on the terminal. Secrets never come from arguments (they would show in `ps`). */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { ApiError } from '../kernel';

/** A hidden answer from the terminal; without one, an error naming `envName`, the variable that gives it instead. */
export async function promptHidden(question: string, envName?: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const how = envName ? `Set ${envName} in the environment, or run it on a terminal.` : 'Run it on a terminal.';
    throw new ApiError('UNAUTHENTICATED', `${question.replace(/:\s*$/, '')} is needed but there is no terminal to ask on. ${how}`);
  }
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => {
        process.stderr.write('\n');
        resolve(answer);
      });
      muted = true;
    });
  } finally {
    rl.close();
  }
}

/** A secret from an environment variable, else asked on the terminal (twice when `confirm`). */
export async function secretFrom(envName: string, question: string, options: { confirm?: boolean } = {}): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const first = await promptHidden(question, envName);
  if (options.confirm) {
    const second = await promptHidden('Repeat it: ', envName);
    if (first !== second) throw new ApiError('INVALID_INPUT', 'The two entries differ. Nothing was changed; try again.');
  }
  return first;
}

/**
 * All of stdin, at most `maxBytes` (else `tooLarge` as an INVALID_INPUT error); on a terminal it
 * first says what to paste (`what`) and how to end.
 */
export async function readStdinCapped(maxBytes: number, what: string, tooLarge: string): Promise<Buffer> {
  if (process.stdin.isTTY) process.stderr.write(`Paste ${what}, then Ctrl-D:\n`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new ApiError('INVALID_INPUT', tooLarge);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Asks on the terminal (stderr); true only when the answer is "yes". */
export async function confirmOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

/** The env variable a token PIN may come from (scripts); otherwise it is asked on the terminal. */
export const TOKEN_PIN_ENV = 'AIRGAP_RUNNER_TOKEN_PIN';

/**
 * Calls `fn` without a PIN; when the core answers that a key on a PKCS#11 token needs one, asks for
 * it (AIRGAP_RUNNER_TOKEN_PIN or a hidden prompt) and calls again with it. The PIN is never stored.
 */
export async function withTokenPin<T>(fn: (pin: string | undefined) => Promise<T>): Promise<T> {
  try {
    return await fn(undefined);
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'INVALID_INPUT' && /token.*PIN|PIN.*token/.test(error.message))) throw error;
    return await fn(await secretFrom(TOKEN_PIN_ENV, 'PIN of the token: '));
  }
}
