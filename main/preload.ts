/**
 * The preload: exposes `window.api` (desktop-api.ts) and nothing else. Sandboxed, so it is
 * bundled into one CommonJS file; it never hands ipcRenderer or any Node object to the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, type DesktopApi } from './desktop-api';
import type { ApiErrorShape, Result } from '../src/api/contract';

const listeners = new Map<number, (event: unknown) => void>();
let nextSubscription = 1;

ipcRenderer.on(CHANNELS.event, (_event, subId: unknown, payload: unknown) => {
  if (typeof subId === 'number') listeners.get(subId)?.(payload);
});

const api: DesktopApi = {
  call: async (name, input) => await ipcRenderer.invoke(CHANNELS.call, name, input),

  subscribe(name, input, onEvent, onError) {
    const id = nextSubscription++;
    listeners.set(id, onEvent as (event: unknown) => void);
    void (ipcRenderer.invoke(CHANNELS.subscribe, id, name, input) as Promise<Result<null>>).then(
      (result) => {
        if (result.ok) return;
        listeners.delete(id);
        onError?.(result.error);
      },
      () => {
        listeners.delete(id);
        onError?.({ code: 'INTERNAL', message: 'The subscription could not be started.' } satisfies ApiErrorShape);
      },
    );
    return () => {
      if (listeners.delete(id)) void ipcRenderer.invoke(CHANNELS.unsubscribe, id);
    };
  },

  chooseFile: async (options) => await ipcRenderer.invoke(CHANNELS.chooseFile, options ?? {}),
  chooseSaveFile: async (options) => await ipcRenderer.invoke(CHANNELS.chooseSaveFile, options ?? {}),
  copyText: async (text) => (await ipcRenderer.invoke(CHANNELS.copyText, text)) === true,
  idpSignIn: async (attemptId) => await ipcRenderer.invoke(CHANNELS.idpSignIn, attemptId),
  serviceState: async () => await ipcRenderer.invoke(CHANNELS.serviceState),
  unsealService: async (input) => await ipcRenderer.invoke(CHANNELS.unsealService, input),
};

contextBridge.exposeInMainWorld('api', api);
