import { ApiError } from '../kernel';
import { Core, dispatch, type OpName, type OpOutput } from '../api';
import { secretFrom } from './prompt';

export interface GlobalOptions {
  home: string;
  user: string | undefined;
  json: boolean;
}

export interface CommandArgs {
  positionals: string[];
  flags: Map<string, string[]>;
}

/** What a command sees: the core, the global options, and a signed-in session on demand. */
export class CliContext {
  private sessionId: string | null = null;
  /** Kept only for `user passwd`, which must prove the current password again. */
  private signInPassword: string | null = null;

  constructor(
    readonly core: Core,
    readonly options: GlobalOptions,
  ) {}

  get json(): boolean {
    return this.options.json;
  }

  /** Signs in with --user / $AIRGAP_RUNNER_USER and $AIRGAP_RUNNER_PASSWORD or a hidden prompt. */
  async signIn(): Promise<string> {
    if (this.sessionId) return this.sessionId;
    const user = this.options.user;
    if (!user) throw new ApiError('UNAUTHENTICATED', 'Say who you are: --user NAME or AIRGAP_RUNNER_USER.');
    const password = await secretFrom('AIRGAP_RUNNER_PASSWORD', `Password for ${user}: `);
    const first = await dispatch(this.core, null, 'auth.begin', { name: user, password });
    const out = 'sessionId' in first ? first : await this.nextStep(first);
    this.sessionId = out.sessionId;
    this.signInPassword = password;
    return out.sessionId;
  }

  /**
   * The step the sign-in mode asks for after the password (docs/identity.md): the IdP, as `gh auth
   * login` does (the URL printed, the answer taken at the loopback ACS), or the directory password.
   */
  private async nextStep(step: { next: 'idp' | 'ldap'; attemptId: string; via: string }) {
    if (step.next === 'ldap') {
      const password = await secretFrom('AIRGAP_RUNNER_DIRECTORY_PASSWORD', `Directory password for ${this.options.user ?? ''}: `);
      return await dispatch(this.core, null, 'auth.ldap.complete', { attemptId: step.attemptId, password });
    }
    const begun = await dispatch(this.core, null, 'auth.idp.begin', { attemptId: step.attemptId });
    process.stderr.write(
      `Sign in with ${begun.idpName}: open this URL in a browser on this machine (waiting up to ${begun.waitSeconds} s):\n\n  ${begun.url}\n\n`,
    );
    return await dispatch(this.core, null, 'auth.idp.complete', { attemptId: step.attemptId });
  }

  /** The password this command signed in with (typed at the prompt or from the environment). */
  currentPassword(): string {
    if (this.signInPassword === null) throw new ApiError('UNAUTHENTICATED', 'Sign in first.');
    return this.signInPassword;
  }

  /** Calls an operation as the signed-in user. */
  async call<N extends OpName>(name: N, input: unknown): Promise<OpOutput<N>> {
    return await dispatch(this.core, await this.signIn(), name, input);
  }

  /** Calls a public operation without signing in. */
  async callPublic<N extends OpName>(name: N, input: unknown): Promise<OpOutput<N>> {
    return await dispatch(this.core, null, name, input);
  }
}

export function flag(args: CommandArgs, name: string): string | undefined {
  const values = args.flags.get(name);
  return values?.[values.length - 1];
}

export function flags(args: CommandArgs, name: string): string[] {
  return args.flags.get(name) ?? [];
}

export function requireFlag(args: CommandArgs, name: string, usage: string): string {
  const value = flag(args, name);
  if (!value) throw new ApiError('INVALID_INPUT', `--${name} is required. Usage: ${usage}`);
  return value;
}

export function positional(args: CommandArgs, index: number, what: string, usage: string): string {
  const value = args.positionals[index];
  if (value === undefined) throw new ApiError('INVALID_INPUT', `${what} is missing. Usage: ${usage}`);
  return value;
}
