/** Is the engine there now, and what is it? For the dashboard's card (`engine.status`). */
import type { Clock } from '../kernel';
import { DockerodeEngine } from './dockerode-engine';
import type { ContainerEngine } from './types';

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

/** Never throws: an engine that cannot be made or reached is a status. */
export async function engineStatus(engineOf: () => ContainerEngine, clock: Clock, timeoutMs = STATUS_TIMEOUT_MS): Promise<EngineStatus> {
  const checkedAt = clock.now().toISOString();
  const down = (socket: string | null, message: string): EngineStatus => ({
    reachable: false,
    kind: null,
    version: null,
    apiVersion: null,
    rootless: null,
    socket,
    message,
    checkedAt,
  });
  let engine: ContainerEngine;
  try {
    engine = engineOf();
  } catch (error) {
    return down(null, error instanceof Error ? error.message : String(error));
  }
  const socket = engine instanceof DockerodeEngine ? engine.socket.url : null;
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      engine.info(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `The container engine${socket ? ` at ${socket}` : ''} did not answer within ${timeoutMs / 1000} s. Check that Docker or Podman is running.`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
    return {
      reachable: true,
      kind: info.name === 'Podman' ? 'podman' : 'docker',
      version: info.version,
      apiVersion: info.apiVersion,
      rootless: info.rootless,
      socket: info.socket,
      message: '',
      checkedAt,
    };
  } catch (error) {
    return down(socket, error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
  }
}
