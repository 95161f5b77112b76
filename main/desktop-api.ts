/**
 * The shape of `window.api`: what the preload exposes, what the browser test harness imitates,
 * and what the renderer's ApiClient wraps. Derived from the contract, so a renamed operation or
 * field fails to compile in main, preload, renderer and tests at once. Types and names only.
 */
import type { OpInput, OpName, OpOutput, SubEvent, SubInput, SubName, ApiErrorShape, Result } from '../src/api/contract';

export type SessionOp = 'auth.signIn' | 'auth.begin' | 'auth.idp.complete' | 'auth.ldap.complete';
/** Omit over each member of a union (auth.begin answers a session or the next step). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Sign-in's session id stays on the privileged side (main, or the harness); the page never sees it. */
export type BridgeOutput<N extends OpName> = N extends SessionOp ? OmitEach<OpOutput<N>, 'sessionId'> : OpOutput<N>;

export interface FileFilter {
  name: string;
  extensions: string[];
}

export interface ChooseFileOptions {
  title?: string;
  /** A file (default) or a folder. */
  kind?: 'file' | 'folder';
  filters?: FileFilter[];
}

export interface ChooseSaveFileOptions {
  title?: string;
  /** File name proposed in the dialog (a name, not a path). */
  defaultName?: string;
  filters?: FileFilter[];
}

/** The always-on service this window is a client of (docs/service.md): sealed or unsealed, since when, by whom. */
export interface ServiceState {
  state: 'sealed' | 'unsealed';
  /** When it was unsealed, or (sealed) when it started. */
  since: string;
  unsealedBy: string | null;
}

/** What unsealing takes: an operator's or admin's name and password, and a one-time code where the site asks. */
export interface UnsealInput {
  name: string;
  password: string;
  totpCode?: string;
}

export interface DesktopApi {
  /** Calls one operation of the contract; never throws for API errors. */
  call<N extends OpName>(name: N, input: OpInput<N>): Promise<Result<BridgeOutput<N>>>;
  /** Starts a subscription; returns the function that ends it. */
  subscribe<N extends SubName>(
    name: N,
    input: SubInput<N>,
    onEvent: (event: SubEvent<N>) => void,
    onError?: (error: ApiErrorShape) => void,
  ): () => void;
  /** A native open dialog; resolves to the chosen path, or null when cancelled. */
  chooseFile(options?: ChooseFileOptions): Promise<string | null>;
  /** A native save dialog; resolves to the chosen path, or null when cancelled. */
  chooseSaveFile(options?: ChooseSaveFileOptions): Promise<string | null>;
  /**
   * Puts text on the system clipboard (a digest, a fingerprint, the log): the window denies web
   * permissions, so the page's own clipboard API cannot; resolves false when it was refused.
   */
  copyText(text: string): Promise<boolean>;
  /**
   * The IdP step of a sign-in whose password step answered `next: 'idp'`: opens the site's identity
   * provider in its own sandboxed window (only the IdP's origin; the page cannot choose the URL),
   * takes its answer, and resolves with the session (bound to this window) or why there is none
   * (closed window, time-out, refusal). docs/identity.md, "The desktop's IdP window".
   */
  idpSignIn(attemptId: string): Promise<Result<BridgeOutput<'auth.idp.complete'>>>;
  /** The service this window is a client of, or null when the window runs its own core. */
  serviceState(): Promise<ServiceState | null>;
  /** Unseals that service (operator or admin); the window then signs in as usual. */
  unsealService(input: UnsealInput): Promise<Result<ServiceState>>;
}

/** The most text one copy takes (the log viewer copies up to 250,000 lines). */
export const MAX_COPY_CHARS = 64 * 1024 * 1024;

/** IPC channel names, shared by main and the preload. */
export const CHANNELS = {
  call: 'api:call',
  subscribe: 'api:subscribe',
  unsubscribe: 'api:unsubscribe',
  event: 'api:event',
  chooseFile: 'dialog:chooseFile',
  chooseSaveFile: 'dialog:chooseSaveFile',
  copyText: 'clipboard:writeText',
  idpSignIn: 'auth:idpSignIn',
  serviceState: 'service:state',
  unsealService: 'service:unseal',
} as const;
