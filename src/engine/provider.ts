/**
 * The core's one ContainerEngine, shared by the import and the runner. An engine given to the core
 * (a test's, the desktop's) is used as it is; otherwise one is made on first use from the admin's
 * `engine.socket` setting, else DOCKER_HOST, else the default sockets (a remote DOCKER_HOST is
 * refused there), and made again when the setting changes.
 */
import { DockerodeEngine } from './dockerode-engine';
import type { ContainerEngine } from './types';

export interface EngineProviderOptions {
  /** An engine chosen by the composition root; the setting is then not read. */
  engine?: ContainerEngine | undefined;
  /** The admin's `engine.socket` setting, read when an engine is needed. */
  socketSetting: () => string;
  env?: NodeJS.ProcessEnv;
}

export class EngineProvider {
  private made: { engine: ContainerEngine; setting: string } | undefined;

  constructor(private readonly options: EngineProviderOptions) {}

  get(): ContainerEngine {
    if (this.options.engine) return this.options.engine;
    const setting = this.options.socketSetting();
    if (this.made?.setting === setting) return this.made.engine;
    const engine = DockerodeEngine.fromEnv(this.options.env ?? process.env, { setting });
    this.made = { engine, setting };
    return engine;
  }
}
