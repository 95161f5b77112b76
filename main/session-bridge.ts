/**
 * The privileged half of `window.api`, shared by Electron main and the browser test harness so
 * both behave the same. It holds each page's session id (the page never sees or sends one),
 * checks names against the contract, and forwards calls to the core. Validation, permissions and
 * audit stay in the dispatcher; this layer only decides *which session* a page speaks for.
 * No electron import: plain Node, unit-testable.
 */
import { contract, subscriptions, type OpName, type SubEvent } from '../src/api/contract';
import type { SessionOp } from './desktop-api';
import type { ApiErrorShape, Result } from '../src/kernel';

/** How the bridge reaches the core: in-process (harness) or over the utility process's port (main). */
export interface CoreLink {
  call(sessionId: string | null, name: string, input: unknown): Promise<Result<unknown>>;
  subscribe(sessionId: string | null, name: string, input: unknown, onEvent: (event: unknown) => void): Promise<Result<() => void>>;
}

/**
 * Input fields that name a file on this workstation. A page may only pass a path the user picked
 * in a native dialog of that same page, so a compromised renderer cannot aim the core at files
 * of its choosing. Later operations with paths (mirror archives, audit exports) add a line here.
 */
export const PATH_FIELDS: Partial<Record<OpName, readonly string[]>> = {
  'store.backup': ['outPath'],
  'store.restore': ['file'],
  'audit.export': ['outPath'],
  'runs.export': ['outPath'],
  'runs.saveLog': ['outPath'],
  // A list of bundles to verify: every entry must have been picked.
  'audit.verify': ['paths'],
  // A PKCS#11 module is a library the core loads: only one the user picked (a dotted name is a nested field).
  'audit.identityReplace': ['pkcs12File', 'pkcs11.module'],
  'sshCa.import': ['keyFile'],
  'sshCa.addToken': ['module'],
  'sshCa.krl': ['outPath'],
  'mirror.list': ['caFile'],
  // The IdP's metadata and the directory's site CA, picked by an admin (Sign-in and identity).
  'identity.saml.set': ['metadataFile'],
  'identity.ldap.set': ['caFile'],
  'bundles.import': ['caFile', 'signatureFile', 'payloadFile'],
  // Variable name -> picked file: every value must have been picked.
  'runs.start': ['files'],
};

/**
 * Mirror sources name a local folder or file after their scheme (`oci:DIR`, `archive:FILE`); the
 * part after the scheme must have been picked too. `registry://` sources name no local file.
 */
export const SOURCE_FIELDS: Partial<Record<OpName, string>> = {
  'mirror.list': 'source',
  'bundles.import': 'source',
};
const LOCAL_SOURCE = /^(oci|archive):/;

const MAX_GRANTED_PATHS = 64;

/** Operations whose answer may carry a new session: the bridge keeps its id, the page never sees it. */
export const SESSION_OPS: ReadonlySet<string> = new Set<SessionOp>([
  'auth.signIn',
  'auth.begin',
  'auth.idp.complete',
  'auth.ldap.complete',
]);

/** A notice the core decided the page's user should see (attention.notices); main shows it. */
export type Notice = SubEvent<'attention.notices'>;

export interface SessionBridgeOptions<Key> {
  /**
   * Called with each notice for the user signed in on a page, for as long as that session lives
   * (not only while the page is loaded). Main turns it into a desktop notification.
   */
  onNotice?: (key: Key, notice: Notice) => void;
}

interface Client {
  sessionId: string | null;
  /** Subscription id chosen by the page -> its stop function (null while it is being set up). */
  subs: Map<number, (() => void) | null>;
  paths: Set<string>;
  /** Ends the session's notices subscription. */
  notices: (() => void) | null;
}

function failure(code: ApiErrorShape['code'], message: string): { ok: false; error: ApiErrorShape } {
  return { ok: false, error: { code, message } };
}

function isOpName(name: unknown): name is OpName {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}

export class SessionBridge<Key = number> {
  private readonly clients = new Map<Key, Client>();

  constructor(
    private readonly core: CoreLink,
    private readonly options: SessionBridgeOptions<Key> = {},
  ) {}

  private client(key: Key): Client {
    let c = this.clients.get(key);
    if (!c) {
      c = { sessionId: null, subs: new Map(), paths: new Set(), notices: null };
      this.clients.set(key, c);
    }
    return c;
  }

  async call(key: Key, name: unknown, input: unknown): Promise<Result<unknown>> {
    if (!isOpName(name)) return failure('NOT_FOUND', `There is no operation named "${String(name)}".`);
    const client = this.client(key);
    const refusal = this.checkPaths(client, name, input);
    if (refusal) return refusal;
    // Public operations never carry a session: a stale id must not block sign-in or setup.
    const isPublic = contract[name].access === 'public';
    const result = await this.core.call(isPublic ? null : client.sessionId, name, input);

    if (SESSION_OPS.has(name) && result.ok && typeof (result.value as { sessionId?: unknown }).sessionId === 'string') {
      const { sessionId, ...visible } = result.value as { sessionId: string };
      const previous = client.sessionId;
      client.sessionId = sessionId;
      if (previous && previous !== sessionId) await this.endSession(previous);
      await this.listenForNotices(key, client);
      return { ok: true, value: visible };
    }
    if (name === 'auth.signOut') this.clearSession(client);
    else if (!result.ok && result.error.code === 'UNAUTHENTICATED' && !isPublic) this.clearSession(client);
    return result;
  }

  async subscribe(key: Key, subId: unknown, name: unknown, input: unknown, onEvent: (event: unknown) => void): Promise<Result<null>> {
    if (typeof subId !== 'number' || !Number.isSafeInteger(subId)) return failure('INVALID_INPUT', 'A subscription needs a numeric id.');
    if (typeof name !== 'string' || !Object.hasOwn(subscriptions, name))
      return failure('NOT_FOUND', `There is no subscription named "${String(name)}".`);
    const client = this.client(key);
    if (client.subs.has(subId)) return failure('CONFLICT', `Subscription ${subId} is already open.`);
    client.subs.set(subId, null);
    const result = await this.core.subscribe(client.sessionId, name, input, onEvent);
    if (!result.ok) {
      client.subs.delete(subId);
      return result;
    }
    // The page may have unsubscribed (or left) while the core was setting up.
    if (this.clients.get(key) !== client || !client.subs.has(subId)) {
      result.value();
      return { ok: true, value: null };
    }
    client.subs.set(subId, result.value);
    return { ok: true, value: null };
  }

  unsubscribe(key: Key, subId: unknown): void {
    const client = this.clients.get(key);
    if (!client || typeof subId !== 'number') return;
    const stop = client.subs.get(subId);
    client.subs.delete(subId);
    stop?.();
  }

  /** The signed-in user's notices go to onNotice until the session ends. */
  private async listenForNotices(key: Key, client: Client): Promise<void> {
    client.notices?.();
    client.notices = null;
    const onNotice = this.options.onNotice;
    if (!onNotice || !client.sessionId) return;
    const sessionId = client.sessionId;
    const result = await this.core.subscribe(sessionId, 'attention.notices', {}, (event) => onNotice(key, event as Notice));
    if (!result.ok) return;
    // Signed out (or in again) while the core was setting up.
    if (client.sessionId !== sessionId || client.notices) result.value();
    else client.notices = result.value;
  }

  /** Records a path the user picked in a native dialog of this page. */
  grantPath(key: Key, path: string): void {
    const paths = this.client(key).paths;
    if (paths.size >= MAX_GRANTED_PATHS) paths.delete(paths.values().next().value!);
    paths.add(path);
  }

  /** The page reloaded or crashed: its subscriptions go; its session stays so it can reattach. */
  dropSubscriptions(key: Key): void {
    const client = this.clients.get(key);
    if (!client) return;
    for (const stop of client.subs.values()) stop?.();
    client.subs.clear();
  }

  /** The window closed: end its session in the core as well. */
  async forget(key: Key): Promise<void> {
    const client = this.clients.get(key);
    if (!client) return;
    this.dropSubscriptions(key);
    this.clients.delete(key);
    client.notices?.();
    client.notices = null;
    if (client.sessionId) await this.endSession(client.sessionId);
  }

  /** The core process restarted: every session it held is gone. */
  resetSessions(): void {
    for (const client of this.clients.values()) {
      client.sessionId = null;
      client.subs.clear();
      client.notices = null;
    }
  }

  /** Whether a page is bound to a session (for tests and diagnostics; never the id itself). */
  isSignedIn(key: Key): boolean {
    return !!this.clients.get(key)?.sessionId;
  }

  private clearSession(client: Client): void {
    client.sessionId = null;
    client.notices?.();
    client.notices = null;
    for (const stop of client.subs.values()) stop?.();
    client.subs.clear();
  }

  private async endSession(sessionId: string): Promise<void> {
    await this.core.call(sessionId, 'auth.signOut', {});
  }

  private checkPaths(client: Client, name: OpName, input: unknown): Result<never> | null {
    if (typeof input !== 'object' || input === null) return null;
    const fields = PATH_FIELDS[name] ?? [];
    for (const field of fields) {
      const value = field
        .split('.')
        .reduce<unknown>((at, key) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined), input);
      if (value !== undefined && !this.allPicked(client, value)) {
        return failure(
          'INVALID_INPUT',
          `Choose the file for "${field}" with the file dialog; paths typed into the window are not accepted.`,
        );
      }
    }
    const sourceField = SOURCE_FIELDS[name];
    const source = sourceField ? (input as Record<string, unknown>)[sourceField] : undefined;
    if (typeof source === 'string') {
      const trimmed = source.trim();
      const scheme = LOCAL_SOURCE.exec(trimmed);
      if (scheme && !client.paths.has(trimmed.slice(scheme[0].length))) {
        return failure(
          'INVALID_INPUT',
          `Choose the ${scheme[1] === 'oci' ? 'OCI layout folder' : 'archive'} with the file dialog; paths typed into the window are not accepted.`,
        );
      }
    }
    return null;
  }

  /** A path, a list of paths or a record of paths: each one picked in a dialog of this page. */
  private allPicked(client: Client, value: unknown): boolean {
    if (typeof value === 'string') return client.paths.has(value);
    if (Array.isArray(value)) return value.every((v) => typeof v === 'string' && client.paths.has(v));
    if (typeof value === 'object' && value !== null) return Object.values(value).every((v) => typeof v === 'string' && client.paths.has(v));
    return false;
  }
}
