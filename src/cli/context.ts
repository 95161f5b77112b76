import { ApiError } from '../kernel';
import { isTotpChallenge, type OpName, type OpOutput, type SubEvent, type SubName } from '../api/model';
import type { CliLink } from './link';
import { secretFrom } from './prompt';
import { readToken, removeToken } from './token';

export interface GlobalOptions {
  home: string;
  user: string | undefined;
  json: boolean;
}

export interface CommandArgs {
  positionals: string[];
  flags: Map<string, string[]>;
}

const SAVED_SESSION_ENDED =
  'Your saved session has ended (idle too long, signed out, or the service was locked or restarted). Sign in again with "airgap-runner login".';

/**
 * What a command sees: the link to a core (this process's, or a running service), the global
 * options, and a signed-in session on demand. Through a service, the session `login` saved is used
 * when there is one; otherwise the command signs in for itself and signs out when it ends.
 */
export class CliContext {
  private sessionId: string | null = null;
  /** The session came from the token file (it outlives this command). */
  private fromToken = false;
  /** Kept only for `user passwd`, which must prove the current password again. */
  private signInPassword: string | null = null;
  /** `login` keeps the session this command opened. */
  keepSession = false;

  constructor(
    readonly link: CliLink,
    readonly options: GlobalOptions,
  ) {}

  get json(): boolean {
    return this.options.json;
  }

  /** The session `login` saved for this home, when a service answers and it is the user asked for. */
  private savedSession(): string | null {
    if (this.link.kind !== 'service') return null;
    const saved = readToken(this.options.home);
    if (!saved) return null;
    const user = this.options.user;
    if (user && user.toLowerCase() !== saved.user.toLowerCase()) return null;
    return saved.sessionId;
  }

  /** Signs in with the saved session, or --user / $AIRGAP_RUNNER_USER and $AIRGAP_RUNNER_PASSWORD or a hidden prompt. */
  async signIn(): Promise<string> {
    if (this.sessionId) return this.sessionId;
    const saved = this.savedSession();
    if (saved) {
      this.fromToken = true;
      this.sessionId = saved;
      return saved;
    }
    return await this.signInWithPassword();
  }

  /** Always asks for the password (`login`, and commands that must prove it again). */
  async signInWithPassword(): Promise<string> {
    const user = this.options.user;
    if (!user) throw new ApiError('UNAUTHENTICATED', 'Say who you are: --user NAME or AIRGAP_RUNNER_USER (or "airgap-runner login" once).');
    const password = await secretFrom('AIRGAP_RUNNER_PASSWORD', `Password for ${user}: `);
    const begin = (extra: { totpCode?: string } = {}) =>
      this.link.call(null, 'auth.begin', { name: user, password, ...extra }) as Promise<OpOutput<'auth.begin'>>;
    const first = await begin().catch(async (error: ApiError) => {
      // Offline TOTP (docs/identity.md): the password was right; the code comes from the environment or a prompt, never argv.
      if (!isTotpChallenge(error)) throw error;
      const totpCode = await secretFrom('AIRGAP_RUNNER_TOTP_CODE', `TOTP code for ${user} (or a recovery code): `);
      return await begin({ totpCode });
    });
    const out = 'sessionId' in first ? first : await this.nextStep(first);
    this.sessionId = out.sessionId;
    this.fromToken = false;
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
      return (await this.link.call(null, 'auth.ldap.complete', { attemptId: step.attemptId, password })) as OpOutput<'auth.ldap.complete'>;
    }
    const begun = (await this.link.call(null, 'auth.idp.begin', { attemptId: step.attemptId })) as OpOutput<'auth.idp.begin'>;
    process.stderr.write(
      `Sign in with ${begun.idpName}: open this URL in a browser on this machine (waiting up to ${begun.waitSeconds} s):\n\n  ${begun.url}\n\n`,
    );
    return (await this.link.call(null, 'auth.idp.complete', { attemptId: step.attemptId })) as OpOutput<'auth.idp.complete'>;
  }

  /** The password this command signed in with (typed at the prompt or from the environment). */
  currentPassword(): string {
    if (this.signInPassword === null) {
      throw new ApiError('UNAUTHENTICATED', 'This needs your password again: run it with --user NAME (and the password at the prompt).');
    }
    return this.signInPassword;
  }

  /** A saved session the service no longer knows: the token goes, and the command says to sign in again. */
  private ended(error: unknown): unknown {
    if (this.fromToken && error instanceof ApiError && error.code === 'UNAUTHENTICATED') {
      removeToken(this.options.home);
      this.sessionId = null;
      this.fromToken = false;
      return new ApiError('UNAUTHENTICATED', SAVED_SESSION_ENDED);
    }
    return error;
  }

  /** Calls an operation as the signed-in user. */
  async call<N extends OpName>(name: N, input: unknown): Promise<OpOutput<N>> {
    const session = await this.signIn();
    try {
      return (await this.link.call(session, name, input)) as OpOutput<N>;
    } catch (error) {
      throw this.ended(error);
    }
  }

  /** Calls a public operation without signing in. */
  async callPublic<N extends OpName>(name: N, input: unknown): Promise<OpOutput<N>> {
    return (await this.link.call(null, name, input)) as OpOutput<N>;
  }

  /** Subscribes as the signed-in user; resolves once the core listens, with the function that stops it. */
  async subscribe<N extends SubName>(name: N, input: unknown, listener: (event: SubEvent<N>) => void): Promise<() => void> {
    const session = await this.signIn();
    try {
      return await this.link.subscribe(session, name, input, listener as (event: unknown) => void);
    } catch (error) {
      throw this.ended(error);
    }
  }

  /** The session this command holds, for `logout` and `service lock`. */
  get session(): { id: string | null; saved: boolean } {
    return { id: this.sessionId, saved: this.fromToken };
  }

  /** Ends what this command opened: a session it signed in for through a service (unless `login` keeps it), then the link. */
  async close(): Promise<void> {
    if (this.link.kind === 'service' && this.sessionId && !this.fromToken && !this.keepSession) {
      await this.link.call(this.sessionId, 'auth.signOut', {}).catch(() => undefined);
    }
    await this.link.close();
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
