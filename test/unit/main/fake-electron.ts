/**
 * A fake of the parts of Electron's main-process API that main/security.ts and main/ipc.ts use.
 * It records what was set so tests can assert it; it is cast to the real types at the boundary.
 */
import type { ElectronMain, WindowOptions } from '../../../main/security';
import type { IpcDeps } from '../../../main/ipc';

type Listener = (...args: unknown[]) => unknown;

export class FakeEvent {
  prevented = false;
  preventDefault(): void {
    this.prevented = true;
  }
}

export class FakeWebContents {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly listeners = new Map<string, Listener[]>();
  windowOpenHandler: ((details: { url: string }) => unknown) | null = null;
  readonly mainFrame = { processId: 7, routingId: 1, url: 'app://airgap-runner/index.html' };
  readonly sent: unknown[][] = [];

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  setWindowOpenHandler(handler: (details: { url: string }) => unknown): void {
    this.windowOpenHandler = handler;
  }

  send(...args: unknown[]): void {
    this.sent.push(args);
  }

  /** Raises an event the way Electron would; returns the event object to inspect. */
  emit(event: string, ...args: unknown[]): FakeEvent {
    const e = new FakeEvent();
    for (const l of this.listeners.get(event) ?? []) l(e, ...args);
    return e;
  }
}

export class FakeBrowserWindow {
  static created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  destroyed = false;
  constructor(readonly options: WindowOptions) {
    FakeBrowserWindow.created.push(this);
  }
  once(): this {
    return this;
  }
  show(): void {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export interface FakeSession {
  partition: string;
  partitionOptions: unknown;
  protocols: Map<string, (request: Request) => Promise<Response>>;
  permissionRequest: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null;
  permissionCheck: ((...args: unknown[]) => boolean) | null;
  devicePermission: ((...args: unknown[]) => boolean) | null;
  spellChecker: boolean | null;
  beforeRequest: ((details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void) | null;
  listeners: Map<string, Listener>;
}

export function fakeElectron() {
  const record = {
    sandboxEnabled: 0,
    schemes: [] as Array<{ scheme: string; privileges?: Record<string, unknown> }>,
    appListeners: new Map<string, Listener>(),
    singleInstance: true,
    applicationMenu: undefined as unknown,
    sessions: [] as FakeSession[],
    ipcHandlers: new Map<string, Listener>(),
    dialogs: [] as Array<{ kind: 'open' | 'save'; options: unknown }>,
    dialogAnswer: null as string | null,
    clipboard: [] as string[],
  };
  FakeBrowserWindow.created = [];

  const app = {
    enableSandbox: () => void record.sandboxEnabled++,
    on: (event: string, listener: Listener) => void record.appListeners.set(event, listener),
    requestSingleInstanceLock: () => record.singleInstance,
  };
  const protocol = {
    registerSchemesAsPrivileged: (schemes: Array<{ scheme: string; privileges?: Record<string, unknown> }>) =>
      void record.schemes.push(...schemes),
  };
  const Menu = { setApplicationMenu: (menu: unknown) => void (record.applicationMenu = menu) };
  const session = {
    fromPartition(partition: string, partitionOptions?: unknown) {
      const s: FakeSession = {
        partition,
        partitionOptions,
        protocols: new Map(),
        permissionRequest: null,
        permissionCheck: null,
        devicePermission: null,
        spellChecker: null,
        beforeRequest: null,
        listeners: new Map(),
      };
      record.sessions.push(s);
      return {
        protocol: { handle: (scheme: string, handler: (request: Request) => Promise<Response>) => void s.protocols.set(scheme, handler) },
        setPermissionRequestHandler: (h: FakeSession['permissionRequest']) => void (s.permissionRequest = h),
        setPermissionCheckHandler: (h: FakeSession['permissionCheck']) => void (s.permissionCheck = h),
        setDevicePermissionHandler: (h: FakeSession['devicePermission']) => void (s.devicePermission = h),
        setSpellCheckerEnabled: (on: boolean) => void (s.spellChecker = on),
        webRequest: { onBeforeRequest: (h: FakeSession['beforeRequest']) => void (s.beforeRequest = h) },
        on: (event: string, listener: Listener) => void s.listeners.set(event, listener),
      };
    },
  };
  const ipcMain = { handle: (channel: string, listener: Listener) => void record.ipcHandlers.set(channel, listener) };
  const dialog = {
    showOpenDialog: async (_w: unknown, options: unknown) => {
      record.dialogs.push({ kind: 'open', options });
      return { canceled: record.dialogAnswer === null, filePaths: record.dialogAnswer ? [record.dialogAnswer] : [] };
    },
    showSaveDialog: async (_w: unknown, options: unknown) => {
      record.dialogs.push({ kind: 'save', options });
      return { canceled: record.dialogAnswer === null, filePath: record.dialogAnswer ?? '' };
    },
  };

  const clipboard = { writeText: (text: string) => void record.clipboard.push(text) };
  const electron = {
    app,
    protocol,
    Menu,
    session,
    BrowserWindow: FakeBrowserWindow,
    ipcMain,
    dialog,
    clipboard,
  } as unknown as ElectronMain & IpcDeps;
  return { electron, record };
}
