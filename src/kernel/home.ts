/**
 * Where a core's home is, and the files in it that processes without the store need too: the
 * service's socket and the CLI's session token. Here, not in store/, so the CLI's thin entry and
 * Electron main can find a running service without loading the store and its native module.
 */
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

/** $AIRGAP_RUNNER_HOME, else the OS app-data folder. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIRGAP_RUNNER_HOME) return env.AIRGAP_RUNNER_HOME;
  if (platform() === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Airgap Runner');
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Airgap Runner');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'airgap-runner');
}

/** The service's Unix socket (0600, in the 0700 home) and the CLI's session token (0600). */
export function servicePaths(home: string): { socket: string; token: string } {
  return { socket: join(home, 'service.sock'), token: join(home, 'cli-session.json') };
}
