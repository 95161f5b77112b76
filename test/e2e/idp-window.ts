/**
 * The browser harness's IdP sign-in window: Electron main's (main/idp-window.ts) in Chromium. The
 * IdP page opens in a new page of the app's browser context; every request it makes goes through
 * the same rules (main/idp-window-rules.ts): the IdP's origin only, the POST to the ACS URL taken
 * and aborted (never sent), anything else refused and the page closed. Requests to the IdP are made
 * with redirects not followed, so each redirect comes back to the page as a new request that these
 * rules see too. Popups are closed at once (new windows denied); the page has no permissions. The
 * IdP's cookies are cleared when the window ends, as main's window session is dropped.
 */
import type { BrowserContext, Page, Route } from 'playwright-core';
import { decideIdpRequest, samlResponseFromForm, type IdpWindowOpener, type IdpWindowOutcome } from '../../main/idp-window-rules';

/** The IdP pages the last windows showed (a test looks at them; newest last). */
export const idpPages: Page[] = [];

export function playwrightIdpWindow(context: BrowserContext): IdpWindowOpener {
  return async (url, rules, deadlineMs) => {
    const page = await context.newPage();
    idpPages.push(page);
    return await new Promise<IdpWindowOutcome>((resolve) => {
      let settled = false;
      const timer = setTimeout(() => void finish({ kind: 'timeout' }), deadlineMs);
      async function finish(outcome: IdpWindowOutcome): Promise<void> {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        await page.close().catch(() => undefined);
        // As main drops the window's own session: no IdP cookie outlives the sign-in (the app's page
        // keeps its session in the harness's headers, not in cookies).
        await context.clearCookies({ domain: new URL(rules.idpOrigin).hostname }).catch(() => undefined);
        resolve(outcome);
      }
      const handle = async (route: Route) => {
        const request = route.request();
        const decision = decideIdpRequest(request.url(), request.method(), rules);
        if (decision.action === 'allow') {
          if (request.url().startsWith('data:')) return await route.continue();
          try {
            const response = await route.fetch({ maxRedirects: 0, timeout: 15_000 });
            return await route.fulfill({ response });
          } catch {
            return await route.abort('failed').catch(() => undefined);
          }
        }
        await route.abort('blockedbyclient').catch(() => undefined);
        if (decision.action === 'refuse') return await finish({ kind: 'refused', reason: decision.reason });
        const samlResponse = samlResponseFromForm(request.postDataBuffer() ?? '');
        await finish(
          samlResponse ? { kind: 'answer', samlResponse } : { kind: 'refused', reason: 'the identity provider posted no answer' },
        );
      };
      page.on('popup', (popup) => void popup.close());
      page.on('close', () => void finish({ kind: 'closed' }));
      void page
        .route('**/*', handle)
        .then(() => page.goto(url))
        .catch(() => undefined);
    });
  };
}
