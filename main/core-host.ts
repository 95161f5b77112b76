/**
 * Entry of the Electron utility process that runs the core (ARCHITECTURE.md, "Process model"):
 * SQLite, hashing and exports never block the window, and a renderer crash or reload never stops
 * the core. Plain Node: it uses Electron's `process.parentPort`, never the electron module.
 */
import { Core, defaultHome } from '../src/api';
import { directLink } from './core-link';
import { serveCore, type HostPort } from './core-protocol';

const parentPort = (process as unknown as { parentPort?: HostPort }).parentPort;
if (!parentPort) {
  process.stderr.write('core-host runs inside Airgap Runner as an Electron utility process.\n');
  process.exit(2);
}

process.umask(0o077);
const core = new Core({ home: process.env.AIRGAP_RUNNER_HOME || defaultHome() });
serveCore(directLink(core), parentPort);
// The desktop core fires schedules while a user holding the vault key is signed in (docs/schedules.md).
core.startScheduler();

// The app's quit sends SIGTERM and waits: the core stops its runner (runs interrupted, containers
// removed, lease released) and closes the store before this process exits. A process killed
// harder leaves that to the next start's recovery.
let closing: Promise<void> | undefined;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    closing ??= core
      .close('the desktop app is quitting')
      .catch(() => undefined)
      .finally(() => process.exit(0));
  });
}
