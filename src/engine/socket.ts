/**
 * Which engine socket to talk to. Local unix sockets only (ARCHITECTURE.md, "Runner"): a remote
 * engine (`tcp://`, `ssh://`, `http(s)://`, `npipe://`) is refused, because bind mounts (vault folders,
 * operator-picked files) would resolve on the other machine, and the engine would see our secrets.
 *
 * Order: the admin setting `engine.socket`, else `DOCKER_HOST`, else the first of the well-known
 * sockets that exists (Docker's, then rootless Podman's, then rootful Podman's).
 */
import { statSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { ApiError } from '../kernel';

export interface EngineSocket {
  /** Absolute path of the unix socket. */
  path: string;
  /** `unix:///path`, for messages and records. */
  url: string;
  /** Where the choice came from. */
  from: 'setting' | 'DOCKER_HOST' | 'default' | 'node';
  /** Every socket looked at, in order (defaults only), for the "nothing answers" message. */
  tried: string[];
}

export interface ResolveSocketOptions {
  env?: NodeJS.ProcessEnv;
  /** The `engine.socket` setting: `unix:///path` or `/path`; empty means unset. */
  setting?: string | undefined;
  /** For tests: does a socket exist at this path? */
  exists?: (path: string) => boolean;
  /** For tests: the effective uid (rootless Podman's socket is under /run/user/UID). */
  uid?: number;
}

function socketExists(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** Strips the `unix://` scheme; refuses every other scheme and relative paths. */
export function parseEngineAddress(address: string, what: string): string {
  const trimmed = address.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  let path: string;
  if (scheme === undefined) {
    if (what === 'DOCKER_HOST') {
      // docker treats a bare HOST:PORT as tcp.
      throw remoteRefused(what, trimmed);
    }
    path = trimmed;
  } else if (scheme === 'unix') {
    path = trimmed.slice('unix://'.length);
  } else {
    throw remoteRefused(what, trimmed);
  }
  if (!path || !isAbsolute(path) || path.includes('\0')) {
    throw new ApiError(
      'ENGINE_UNAVAILABLE',
      `${what} must name a local unix socket by its absolute path, such as unix:///var/run/docker.sock; "${shown(trimmed)}" does not.`,
    );
  }
  return normalize(path);
}

function shown(text: string): string {
  // Never echo credentials a URL might carry (tcp://user:pass@host).
  return text.replace(/\/\/[^/@]*@/, '//…@').slice(0, 200);
}

function remoteRefused(what: string, value: string): ApiError {
  return new ApiError(
    'ENGINE_UNAVAILABLE',
    `${what}=${shown(value)} names a remote or non-unix container engine. Airgap Runner only uses a local engine through its unix socket, because bind mounts (secrets, picked files) would resolve on the other machine. Unset ${what === 'DOCKER_HOST' ? 'DOCKER_HOST' : 'engine.socket'} or set it to a local socket such as unix:///var/run/docker.sock or unix:///run/podman/podman.sock.`,
  );
}

/** The well-known sockets, most likely first. */
export function defaultSocketCandidates(env: NodeJS.ProcessEnv, uid: number): string[] {
  const runtimeDir = env.XDG_RUNTIME_DIR && isAbsolute(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : `/run/user/${uid}`;
  const candidates = ['/var/run/docker.sock', join(runtimeDir, 'podman', 'podman.sock'), '/run/podman/podman.sock'];
  return [...new Set(candidates)];
}

export function resolveEngineSocket(options: ResolveSocketOptions = {}): EngineSocket {
  const env = options.env ?? process.env;
  const exists = options.exists ?? socketExists;
  const setting = options.setting?.trim();
  if (setting) {
    const path = parseEngineAddress(setting, 'engine.socket');
    return { path, url: `unix://${path}`, from: 'setting', tried: [path] };
  }
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) {
    const path = parseEngineAddress(dockerHost, 'DOCKER_HOST');
    return { path, url: `unix://${path}`, from: 'DOCKER_HOST', tried: [path] };
  }
  const uid = options.uid ?? (typeof process.getuid === 'function' ? process.getuid() : 0);
  const candidates = defaultSocketCandidates(env, uid);
  const found = candidates.find((path) => exists(path)) ?? candidates[0]!;
  return { path: found, url: `unix://${found}`, from: 'default', tried: candidates };
}

/** The error for "nothing answers": names the socket(s) tried and what to do. */
export function engineUnavailable(socket: EngineSocket, detail?: string, cause?: unknown): ApiError {
  const where =
    socket.from === 'default' && socket.tried.length > 1
      ? `unix://${socket.tried[0]} (nor at ${socket.tried
          .slice(1)
          .map((p) => `unix://${p}`)
          .join(', ')})`
      : socket.url;
  const how =
    socket.from === 'node'
      ? 'check that the node is up and reachable from this workstation ("node show NAME"), or run the task elsewhere'
      : socket.from === 'setting'
        ? 'start Docker or Podman there, or change the engine.socket setting'
        : socket.from === 'DOCKER_HOST'
          ? 'start Docker or Podman, or fix DOCKER_HOST (or set engine.socket)'
          : 'start Docker or Podman, or set engine.socket';
  return new ApiError(
    'ENGINE_UNAVAILABLE',
    `No container engine answers at ${where}${detail ? ` (${detail})` : ''}: ${how}.`,
    cause === undefined ? undefined : { cause },
  );
}
