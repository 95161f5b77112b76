/**
 * The IdP step of a desktop sign-in, shared by Electron main and the browser test harness: ask the
 * core for the IdP URL (answer taken from the window: no listening port), open it in a window under
 * idp-window-rules.ts, and give the intercepted answer to the core, which verifies it and opens the
 * session. The page passes only the attempt id its password step got: it cannot choose the URL.
 * No electron import: unit-tested with a fake window.
 */
import type { OpOutput } from '../src/api/contract';
import type { Result } from '../src/kernel';
import { idpWindowRules, outcomeMessage, type IdpWindowOpener } from './idp-window-rules';
import type { SessionBridge } from './session-bridge';

export type IdpSignInResult = Result<Omit<OpOutput<'auth.idp.complete'>, 'sessionId'>>;

/** At most this long for the window, whatever the IdP settings say. */
const MAX_WINDOW_MS = 30 * 60_000;

export class IdpSignIns<Key> {
  /** Pages with an IdP window open: one at a time each. */
  private readonly busy = new Set<Key>();

  constructor(
    private readonly bridge: SessionBridge<Key>,
    private readonly open: IdpWindowOpener,
  ) {}

  async signIn(key: Key, attemptId: unknown): Promise<IdpSignInResult> {
    if (typeof attemptId !== 'string' || attemptId.length === 0 || attemptId.length > 100) {
      return { ok: false, error: { code: 'INVALID_INPUT', message: 'The sign-in has no attempt to continue. Start over.' } };
    }
    if (this.busy.has(key)) {
      return { ok: false, error: { code: 'CONFLICT', message: 'The identity provider window is already open. Finish or close it first.' } };
    }
    this.busy.add(key);
    try {
      const begun = await this.bridge.call(key, 'auth.idp.begin', { attemptId, answerFrom: 'window' });
      if (!begun.ok) return begun;
      const { url, acsUrl, idpName, waitSeconds } = begun.value as OpOutput<'auth.idp.begin'>;
      let rules;
      try {
        rules = idpWindowRules(url, acsUrl);
      } catch (e) {
        await this.bridge.call(key, 'auth.cancel', { attemptId });
        return {
          ok: false,
          error: {
            code: 'INTERNAL',
            message: `${e instanceof Error ? e.message : String(e)} Ask an administrator to check the identity provider settings.`,
          },
        };
      }
      const outcome = await this.open(url, rules, Math.min(waitSeconds * 1000, MAX_WINDOW_MS));
      if (outcome.kind !== 'answer') {
        await this.bridge.call(key, 'auth.cancel', { attemptId });
        return { ok: false, error: { code: 'UNAUTHENTICATED', message: outcomeMessage(outcome, idpName) } };
      }
      return (await this.bridge.call(key, 'auth.idp.complete', { attemptId, samlResponse: outcome.samlResponse })) as IdpSignInResult;
    } finally {
      this.busy.delete(key);
    }
  }
}
