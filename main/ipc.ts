/**
 * The one IPC bridge: generic over the contract's operation and subscription names (the
 * SessionBridge checks them), plus the two native dialogs, writing the clipboard and the IdP sign-in window. Every handler first checks that the
 * message comes from our window's main frame showing app:// (security.ts, isTrustedSender).
 */
import type * as ElectronNS from 'electron';
import { CHANNELS, MAX_COPY_CHARS, type ChooseFileOptions, type ChooseSaveFileOptions } from './desktop-api';
import { chooseFileOptions, chooseSaveFileOptions } from './dialog-options';
import { isTrustedSender } from './security';
import type { SessionBridge } from './session-bridge';
import type { IdpSignIns } from './idp-sign-in';
import type { ServiceControl } from './service-link';
import type { Result } from '../src/kernel';

export type IpcDeps = Pick<typeof ElectronNS, 'ipcMain' | 'dialog' | 'clipboard'>;

const NOT_OUR_PAGE: Result<never> = {
  ok: false,
  error: { code: 'FORBIDDEN', message: 'Only the Airgap Runner window may use the API.' },
};

export function installIpcBridge(
  electron: IpcDeps,
  window: ElectronNS.BrowserWindow,
  bridge: SessionBridge<number>,
  /** Sign-in through the site's identity provider in its own window (main/idp-sign-in.ts). */
  idp: IdpSignIns<number> | null = null,
  /** The service this window is a client of, when one runs (main/service-link.ts). */
  service: ServiceControl | null = null,
): void {
  const { ipcMain, dialog, clipboard } = electron;
  const key = window.webContents.id;
  const trusted = (event: ElectronNS.IpcMainInvokeEvent): boolean => {
    const ok = isTrustedSender(event, window);
    if (!ok) console.warn(`refused IPC from ${event.senderFrame?.url ?? 'an unknown frame'}`);
    return ok;
  };

  ipcMain.handle(CHANNELS.call, async (event, name: unknown, input: unknown) => {
    if (!trusted(event)) return NOT_OUR_PAGE;
    return await bridge.call(key, name, input);
  });

  ipcMain.handle(CHANNELS.subscribe, async (event, subId: unknown, name: unknown, input: unknown) => {
    if (!trusted(event)) return NOT_OUR_PAGE;
    return await bridge.subscribe(key, subId, name, input, (payload) => {
      if (!window.isDestroyed()) window.webContents.send(CHANNELS.event, subId, payload);
    });
  });

  ipcMain.handle(CHANNELS.unsubscribe, (event, subId: unknown) => {
    if (trusted(event)) bridge.unsubscribe(key, subId);
  });

  ipcMain.handle(CHANNELS.chooseFile, async (event, raw: unknown) => {
    const options = chooseFileOptions.safeParse(raw ?? {});
    if (!trusted(event) || !options.success) return null;
    const o: ChooseFileOptions = options.data;
    const result = await dialog.showOpenDialog(window, {
      title: o.title,
      properties: [o.kind === 'folder' ? 'openDirectory' : 'openFile', 'dontAddToRecent'],
      filters: o.filters,
    });
    const path = result.canceled ? undefined : result.filePaths[0];
    if (!path) return null;
    bridge.grantPath(key, path);
    return path;
  });

  ipcMain.handle(CHANNELS.chooseSaveFile, async (event, raw: unknown) => {
    const options = chooseSaveFileOptions.safeParse(raw ?? {});
    if (!trusted(event) || !options.success) return null;
    const o: ChooseSaveFileOptions = options.data;
    const result = await dialog.showSaveDialog(window, {
      title: o.title,
      defaultPath: o.defaultName,
      filters: o.filters,
      properties: ['createDirectory', 'showOverwriteConfirmation', 'dontAddToRecent'],
    });
    if (result.canceled || !result.filePath) return null;
    bridge.grantPath(key, result.filePath);
    return result.filePath;
  });

  // The IdP step of a sign-in: the page names only its attempt; main opens the IdP window itself.
  ipcMain.handle(CHANNELS.idpSignIn, async (event, attemptId: unknown) => {
    if (!trusted(event)) return NOT_OUR_PAGE;
    if (!idp) return { ok: false, error: { code: 'INTERNAL', message: 'Signing in with an identity provider is not available here.' } };
    return await idp.signIn(key, attemptId);
  });

  // Write-only: the page can put text on the clipboard, never read it back.
  ipcMain.handle(CHANNELS.copyText, async (event, text: unknown) => {
    if (!trusted(event) || typeof text !== 'string' || text.length > MAX_COPY_CHARS) return false;
    try {
      await clipboard.writeText(text);
      return true;
    } catch {
      return false;
    }
  });

  ipcMain.handle(CHANNELS.serviceState, async (event) => (trusted(event) && service ? await service.state() : null));
  ipcMain.handle(CHANNELS.unsealService, async (event, input: unknown) => {
    if (!trusted(event)) return NOT_OUR_PAGE;
    if (!service)
      return { ok: false, error: { code: 'NOT_FOUND', message: 'This window runs its own core: there is no service to unseal.' } };
    return await service.unseal(input);
  });
}
