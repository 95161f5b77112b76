/**
 * Electron main: thin by design. It secures the process (security.ts), starts the core in a
 * utility process (core-host.ts), opens the one window on app://, and forwards the renderer's
 * calls through the IPC bridge (ipc.ts -> session-bridge.ts -> the core's handler table).
 */
import * as electron from 'electron';
import { join } from 'node:path';
import { START_URL, createMainWindow, createSecureSession, secureAppBeforeReady } from './security';
import { installIpcBridge } from './ipc';
import { PortLink, type HostRequest } from './core-protocol';
import { SessionBridge } from './session-bridge';
import { IdpSignIns } from './idp-sign-in';
import { electronIdpWindow } from './idp-window';
import { showNotice } from './notify';
import { ServiceCoreLink } from './service-link';
import { defaultHome } from '../src/kernel';

const { app, utilityProcess } = electron;

/** dist/main/main.cjs -> the app root, which holds dist/ and renderer/dist/ (in the asar when packaged). */
const APP_ROOT = join(__dirname, '..', '..');
const RENDERER_ROOT = join(APP_ROOT, 'renderer', 'dist');
const MAX_CORE_RESTARTS = 5;
const MAX_RENDERER_RELOADS_PER_MINUTE = 3;
/** How long a quit waits for the core to stop its runs (containers removed, lease released). */
const CORE_STOP_MS = 30_000;

let quitting = false;

/** Runs the core in a utility process and restarts it if it dies; sessions do not survive that. */
function startCore(bridge: () => SessionBridge<number>): PortLink {
  let host: electron.UtilityProcess | null = null;
  let restarts = 0;
  const link = new PortLink((request: HostRequest) => host?.postMessage(request));
  const spawn = () => {
    host = utilityProcess.fork(join(__dirname, 'core-host.cjs'), [], { serviceName: 'Airgap Runner core', stdio: 'inherit' });
    host.on('message', (message: unknown) => link.receive(message));
    host.on('exit', (code) => {
      host = null;
      link.fail();
      bridge().resetSessions();
      if (quitting) return;
      console.error(`the core process exited (code ${code})`);
      if (restarts++ < MAX_CORE_RESTARTS) spawn();
      else app.quit();
    });
  };
  spawn();
  let stopping = false;
  app.on('before-quit', (event) => {
    quitting = true;
    const running = host;
    if (!running) return;
    // On SIGTERM the core closes: its runs end as interrupted, their containers are removed and the
    // lease is released. The quit waits for that (within a deadline), so it leaves neither behind.
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => app.exit(0), CORE_STOP_MS);
    running.once('exit', () => {
      clearTimeout(deadline);
      app.quit();
    });
    running.kill();
  });
  return link;
}

/** A crashed renderer is reloaded (the core and its session carry on), within reason. */
function reloadOnCrash(window: electron.BrowserWindow, bridge: SessionBridge<number>): void {
  const key = window.webContents.id;
  let recent: number[] = [];
  window.webContents.on('did-navigate', () => bridge.dropSubscriptions(key));
  window.webContents.on('render-process-gone', (_event, details) => {
    bridge.dropSubscriptions(key);
    if (details.reason === 'clean-exit' || window.isDestroyed()) return;
    const now = Date.now();
    recent = [...recent.filter((t) => now - t < 60_000), now];
    if (recent.length <= MAX_RENDERER_RELOADS_PER_MINUTE) window.webContents.reload();
  });
  window.on('closed', () => void bridge.forget(key));
}

async function start(): Promise<void> {
  const packaged = app.isPackaged;
  let bridge: SessionBridge<number> | null = null;
  // A running service owns the store (docs/service.md): the window becomes its client. Otherwise
  // the core runs in this app's own utility process, as before.
  const service = await ServiceCoreLink.connect(defaultHome(), () => bridge?.resetSessions());
  const link = service ?? startCore(() => bridge!);
  const ses = createSecureSession(electron, RENDERER_ROOT, packaged);
  const window = createMainWindow(electron, { preload: join(__dirname, 'preload.cjs'), packaged, session: ses });
  // The core decides which run events the signed-in user hears of; main only shows them.
  bridge = new SessionBridge<number>(link, { onNotice: (_key, notice) => showNotice(electron, window, notice) });
  installIpcBridge(
    electron,
    window,
    bridge,
    new IdpSignIns(
      bridge,
      electronIdpWindow(electron, () => window),
    ),
    service,
  );
  reloadOnCrash(window, bridge);

  app.on('second-instance', () => {
    if (window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  await window.loadURL(START_URL);
}

if (!secureAppBeforeReady(electron)) {
  // Another instance owns the store; it was told (second-instance) to come to the front.
  app.quit();
} else {
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      console.error('Airgap Runner could not start:', error);
      app.exit(1);
    });
}
