/**
 * The renderer's only way out: a thin, typed wrapper over `window.api`. It reports a session that
 * ended (idle timeout, removed user) so the app can lock, and validates forms with the same zod
 * schemas the core uses (src/api/contract is pure data, no Node).
 */
import type { z } from 'zod';
import {
  contract,
  type ApiErrorShape,
  type OpInput,
  type OpName,
  type Result,
  type SubEvent,
  type SubInput,
  type SubName,
} from './contract';
import type {
  BridgeOutput,
  ChooseFileOptions,
  ChooseSaveFileOptions,
  DesktopApi,
  ServiceState,
  UnsealInput,
} from '../../../main/desktop-api';

export type { ApiErrorShape, Result, ServiceState };
export type FieldErrors = Partial<Record<string, string>>;

export class ApiClient {
  constructor(
    private readonly bridge: DesktopApi,
    private readonly onSessionEnded: (error: ApiErrorShape) => void,
  ) {}

  async call<N extends OpName>(name: N, input: OpInput<N>): Promise<Result<BridgeOutput<N>>> {
    let result: Result<BridgeOutput<N>>;
    try {
      result = await this.bridge.call(name, input);
    } catch {
      result = {
        ok: false,
        error: { code: 'INTERNAL', message: 'The request did not reach Airgap Runner. Try again; restart the app if it persists.' },
      };
    }
    if (!result.ok && result.error.code === 'UNAUTHENTICATED' && contract[name].access !== 'public') this.onSessionEnded(result.error);
    return result;
  }

  subscribe<N extends SubName>(
    name: N,
    input: SubInput<N>,
    onEvent: (event: SubEvent<N>) => void,
    onError?: (error: ApiErrorShape) => void,
  ): () => void {
    return this.bridge.subscribe(name, input, onEvent, onError);
  }

  async chooseFile(options?: ChooseFileOptions): Promise<string | null> {
    return await this.bridge.chooseFile(options);
  }

  async chooseSaveFile(options?: ChooseSaveFileOptions): Promise<string | null> {
    return await this.bridge.chooseSaveFile(options);
  }

  /**
   * The identity provider step of a sign-in: its own window, opened by the privileged side from the
   * attempt id alone; resolves with the session bound to this window, or why there is none.
   */
  async idpSignIn(attemptId: string): Promise<Result<BridgeOutput<'auth.idp.complete'>>> {
    try {
      return await this.bridge.idpSignIn(attemptId);
    } catch {
      return {
        ok: false,
        error: { code: 'INTERNAL', message: 'The sign-in window could not be opened. Start over; restart the app if it persists.' },
      };
    }
  }

  /** The always-on service this window is a client of (null: the window runs its own core). */
  async serviceState(): Promise<ServiceState | null> {
    try {
      return await this.bridge.serviceState();
    } catch {
      return null;
    }
  }

  async unsealService(input: UnsealInput): Promise<Result<ServiceState>> {
    return await this.bridge.unsealService(input);
  }

  /** Text to the system clipboard (through main: the window has no clipboard permission); false when refused. */
  async copyText(text: string): Promise<boolean> {
    try {
      return await this.bridge.copyText(text);
    } catch {
      return false;
    }
  }
}

/** Checks a form against the operation's input schema; returns the first message per field. */
export function validateInput<N extends OpName>(name: N, input: OpInput<N>): FieldErrors | null {
  const schema = contract[name].input as z.ZodType;
  const parsed = schema.safeParse(input);
  if (parsed.success) return null;
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return errors;
}
