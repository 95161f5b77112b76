/**
 * The one ContainerEngine per Core, shared by the import handlers and the runner. The composition
 * root (desktop utility process, CLI, tests) may inject one with setEngine(); otherwise it is made
 * on first use from the admin's `engine.socket` setting, else DOCKER_HOST, else the default sockets
 * (a remote DOCKER_HOST is refused there). Made again when the setting changes.
 */
import { DockerodeEngine, type ContainerEngine } from '../../engine';
import type { Core } from '../core';
import { readSettings } from '../../store';
import { ENGINE_SETTINGS } from '../../engine/settings';

interface Bound {
  engine: ContainerEngine;
  /** The setting it was made from; undefined when injected. */
  socketSetting?: string;
}

const engines = new WeakMap<Core, Bound>();

export function setEngine(core: Core, engine: ContainerEngine): void {
  engines.set(core, { engine });
}

function socketSetting(core: Core): string {
  return readSettings(core.store.db, ENGINE_SETTINGS)['engine.socket'];
}

export function engineFor(core: Core): ContainerEngine {
  const bound = engines.get(core);
  if (bound && bound.socketSetting === undefined) return bound.engine;
  const setting = socketSetting(core);
  if (bound && bound.socketSetting === setting) return bound.engine;
  const engine = DockerodeEngine.fromEnv(process.env, { setting });
  engines.set(core, { engine, socketSetting: setting });
  return engine;
}

/** How long engine.status waits: a dashboard card must not hang on a stopped engine. */
export const STATUS_TIMEOUT_MS = 3_000;

export interface EngineStatus {
  reachable: boolean;
  kind: 'docker' | 'podman' | null;
  version: string | null;
  apiVersion: string | null;
  rootless: boolean | null;
  socket: string | null;
  message: string;
  checkedAt: string;
}

/** Is the engine there now, and what is it? Never throws: an engine that cannot be reached is a status. */
export async function engineStatus(core: Core, timeoutMs = STATUS_TIMEOUT_MS): Promise<EngineStatus> {
  const checkedAt = core.clock.now().toISOString();
  const down = (socket: string | null, message: string): EngineStatus => ({ reachable: false, kind: null, version: null, apiVersion: null, rootless: null, socket, message, checkedAt });
  let engine: ContainerEngine;
  try {
    engine = engineFor(core);
  } catch (error) {
    return down(null, error instanceof Error ? error.message : String(error));
  }
  const socket = engine instanceof DockerodeEngine ? engine.socket.url : null;
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      engine.info(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`The container engine${socket ? ` at ${socket}` : ''} did not answer within ${timeoutMs / 1000} s. Check that Docker or Podman is running.`)), timeoutMs);
      }),
    ]);
    return { reachable: true, kind: info.name === 'Podman' ? 'podman' : 'docker', version: info.version, apiVersion: info.apiVersion, rootless: info.rootless, socket: info.socket, message: '', checkedAt };
  } catch (error) {
    return down(socket, error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
  }
}
