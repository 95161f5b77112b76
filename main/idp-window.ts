/**
 * The IdP sign-in window of the desktop app (docs/identity.md, "The desktop's IdP window"): a
 * BrowserWindow with its own in-memory session (cleared and dropped after), sandboxed, isolated, no
 * preload, no Node, every permission and download refused, requests limited to the IdP's origin
 * (idp-window-rules.ts). The IdP's POST to the ACS URL is taken from the request and cancelled, so
 * nothing listens on a port. Closing the window ends the sign-in. The electron module is a parameter.
 */
import type * as ElectronNS from 'electron';
import { randomBytes } from 'node:crypto';
import { decideIdpRequest, samlResponseFromForm, type IdpWindowOpener, type IdpWindowOutcome } from './idp-window-rules';
import { idpWindowOptions, idpWindowSessions } from './security';

export type IdpWindowDeps = Pick<typeof ElectronNS, 'session' | 'BrowserWindow'>;

/** The body of a request as Electron gives it (form posts carry it as bytes). */
export function uploadBytes(uploadData: readonly ElectronNS.UploadData[] | undefined): Buffer {
  return Buffer.concat((uploadData ?? []).map((part) => part.bytes ?? Buffer.alloc(0)));
}

export function electronIdpWindow(electron: IdpWindowDeps, parent: () => ElectronNS.BrowserWindow | undefined): IdpWindowOpener {
  return (url, rules, deadlineMs) =>
    new Promise<IdpWindowOutcome>((resolve) => {
      // No "persist:": in memory only; a fresh partition per sign-in, so no IdP cookie outlives it.
      const ses = electron.session.fromPartition(`idp-${randomBytes(12).toString('hex')}`, { cache: false });
      ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
      ses.setPermissionCheckHandler(() => false);
      ses.setDevicePermissionHandler(() => false);
      ses.setSpellCheckerEnabled(false);
      ses.on('will-download', (event) => event.preventDefault());
      idpWindowSessions.set(ses, rules);

      let settled = false;
      let window: ElectronNS.BrowserWindow | null = null;
      const timer = setTimeout(() => finish({ kind: 'timeout' }), deadlineMs);
      function finish(outcome: IdpWindowOutcome): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (window && !window.isDestroyed()) window.destroy();
        void ses.clearStorageData().catch(() => undefined);
        void ses.clearCache().catch(() => undefined);
        resolve(outcome);
      }

      ses.webRequest.onBeforeRequest((details, callback) => {
        const decision = decideIdpRequest(details.url, details.method, rules);
        if (decision.action === 'allow') return callback({});
        callback({ cancel: true });
        if (decision.action === 'refuse') return finish({ kind: 'refused', reason: decision.reason });
        const samlResponse = samlResponseFromForm(uploadBytes(details.uploadData));
        finish(samlResponse ? { kind: 'answer', samlResponse } : { kind: 'refused', reason: 'the identity provider posted no answer' });
      });

      window = new electron.BrowserWindow(idpWindowOptions(ses, 'Sign in', parent()));
      window.setMenu(null);
      window.on('closed', () => finish({ kind: 'closed' }));
      window.loadURL(url).catch(() => {
        // A refused request rejects loadURL too; that outcome is already settled.
        finish({ kind: 'refused', reason: 'the identity provider could not be reached' });
      });
    });
}
