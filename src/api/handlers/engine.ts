/**
 * The one ContainerEngine per Core, shared by the import handlers and the runner. The composition
 * root (desktop utility process, CLI, tests) may inject one with setEngine(); otherwise it is made
 * on first use from the admin's `engine.socket` setting, else DOCKER_HOST, else the default sockets
 * (a remote DOCKER_HOST is refused there). Made again when the setting changes.
 */
import { DockerodeEngine, type ContainerEngine } from '../../engine';
import type { Core } from '../core';
import { readSettings } from '../settings';

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
  const value = readSettings(core.store.db)['engine.socket'];
  return typeof value === 'string' ? value : '';
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
