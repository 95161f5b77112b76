/**
 * The import's byte path on a worker thread (docs/performance.md, "Import"): the layer requests to
 * the mirror, each layer's size and sha256 checks, the docker-save tar and the engine's load request
 * run there, so the main heap never holds layer bytes (each 64 KiB read arrives in fresh buffers,
 * and on a large heap those set off full collections). The main thread keeps the gate, the
 * codebundle.yaml search and the progress; the worker only ever runs the same code the main thread
 * would (layerBody and dockerSaveStream in import-load.ts), so every check stays where it is.
 *
 * Used for registry sources and the local engine when the importer has a worker script; otherwise,
 * or when the worker cannot start (before it sent anything to the engine), on the calling thread.
 * Errors cross back as their code and message.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ApiError, type ErrorCode, type NextStep } from '../kernel';
import type { ContainerEngine, EngineSocket } from '../engine';
import type { MirrorSource, OpenSourceOptions } from '../mirror';
import { dockerSaveStream, layerBody, sentSignal, type LayerHooks, type LoadGate, type StreamedImage } from './import-load';

export const IMPORT_WORKER_ROLE = 'airgap-runner/import-bytes';

/** The load as the import drives it, on whichever thread it runs. */
export interface LoadHandle {
  gate: LoadGate;
  /** Resolves once every layer went out complete (all checked); rejects when one failed. */
  sent: Promise<void>;
  /** Settles when the engine's load ended: undefined when it succeeded, else its error. */
  loading: Promise<Error | undefined>;
  /** Ends the stream (and the worker); resolves once nothing more is written to staging. */
  close: () => Promise<void>;
}

export interface WireError {
  code?: string;
  message: string;
  next?: string;
}

export interface JobInput {
  spec: string;
  sourceOptions: OpenSourceOptions;
  socket: EngineSocket;
  repository: string;
  blobDir: string;
  settled: boolean;
  image: StreamedImage;
}

/** Messages of one import (`job`) between the threads; 'up' once the worker has loaded. */
export type ToMain =
  | { t: 'up'; job: 0 }
  | { t: 'ready'; job: number; ok: boolean }
  | { t: 'progress'; job: number; digest: string; bytes: number; force: boolean }
  | { t: 'staged'; job: number; digest: string; size: number; path: string }
  | { t: 'sent'; job: number }
  | { t: 'sent-failed'; job: number; error: WireError }
  | { t: 'loaded'; job: number; error?: WireError };

export type ToWorker =
  | { t: 'start'; job: number; input: JobInput }
  | { t: 'searched'; job: number; digest: string; settled: boolean; error?: WireError }
  | { t: 'open'; job: number; tags: string[] }
  | { t: 'refuse'; job: number; error: WireError };

/** An error as it crosses between the threads: an ApiError as its boundary shape, any other by its message. */
export function toWire(error: unknown): WireError {
  if (error instanceof ApiError) return error.toJSON();
  return { message: error instanceof Error ? error.message : 'The image could not be streamed to the engine.' };
}

export function fromWire(error: WireError): Error {
  if (!error.code) return new Error(error.message);
  return ApiError.from({ code: error.code as ErrorCode, message: error.message, next: error.next as NextStep | undefined });
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error('The engine failed to load the image.');
}

export interface LoadParts {
  source: MirrorSource;
  repository: string;
  blobDir: string;
  hooks: LayerHooks;
}

/** Starts the load: on a worker thread when it can (see the top of the file), else here. */
export async function startLoad(
  options: { byteWorker?: string | URL; openSource?: unknown; manifestMaxBytes?: number; deadlines?: OpenSourceOptions['deadlines'] },
  request: { source: string; insecure?: boolean; caFile?: string; credentials?: OpenSourceOptions['credentials'] },
  engine: ContainerEngine,
  image: StreamedImage,
  parts: LoadParts,
): Promise<LoadHandle> {
  const socket = engine.localSocket?.();
  if (options.byteWorker && !options.openSource && socket && request.source.startsWith('registry://')) {
    const input: JobInput = {
      spec: request.source,
      sourceOptions: {
        ...(request.insecure ? { insecure: true } : {}),
        ...(request.caFile ? { caFile: request.caFile } : {}),
        ...(request.credentials ? { credentials: request.credentials } : {}),
        ...(options.manifestMaxBytes ? { manifestMaxBytes: options.manifestMaxBytes } : {}),
        ...(options.deadlines ? { deadlines: options.deadlines } : {}),
      },
      socket,
      repository: parts.repository,
      blobDir: parts.blobDir,
      settled: parts.hooks.settled(),
      image,
    };
    const handle = await startWorker(options.byteWorker, input, parts.hooks);
    if (handle) return handle;
  }
  const { stream, gate, sent } = dockerSaveStream(image, layerBody(parts.source, parts.repository, parts.blobDir, parts.hooks));
  const loading = engine.loadImage(stream).then(() => undefined, toError);
  return { gate, sent, loading, close: () => Promise.resolve(void stream.destroy()) };
}

/**
 * One worker per script, started on the first import and kept (its start costs more than the
 * collections it saves); referenced only while an import runs on it. A worker that dies fails its
 * imports and is started afresh next time.
 */
interface Shared {
  worker: Worker;
  up: Promise<boolean>;
  jobs: Map<number, (message: ToMain) => void>;
}

const shared = new Map<string, Shared>();
let nextJob = 1;

function workerFor(script: string | URL): Worker {
  const href = script instanceof URL ? script.href : pathToFileURL(script).href;
  const workerData = { role: IMPORT_WORKER_ROLE };
  if (!href.endsWith('.ts')) return new Worker(script, { workerData });
  // From source (tests and benches run under tsx): the worker registers tsx before loading the script.
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(href)}); })`;
  return new Worker(code, { eval: true, workerData });
}

function sharedWorker(script: string | URL): Shared | undefined {
  const key = String(script);
  const known = shared.get(key);
  if (known) return known;
  let worker: Worker;
  try {
    worker = workerFor(script);
  } catch {
    return undefined;
  }
  worker.unref();
  const jobs = new Map<number, (message: ToMain) => void>();
  let markUp: (up: boolean) => void = () => undefined;
  const up = new Promise<boolean>((resolve) => (markUp = resolve));
  const entry: Shared = { worker, up, jobs };
  const died = (error: Error) => {
    markUp(false);
    if (shared.get(key) === entry) shared.delete(key);
    for (const [job, deliver] of jobs) deliver({ t: 'loaded', job, error: toWire(error) });
    jobs.clear();
  };
  worker.on('error', (error) => died(toError(error)));
  worker.on('exit', () => died(new ApiError('INTERNAL', 'The import stopped unexpectedly; the engine kept nothing. Try again.')));
  worker.on('message', (message: ToMain) => {
    if (message.t === 'up') markUp(true);
    else jobs.get(message.job)?.(message);
  });
  shared.set(key, entry);
  return entry;
}

/** The import on the worker, once it opened its source (nothing sent yet); undefined when it could not start. */
async function startWorker(script: string | URL, input: JobInput, hooks: LayerHooks): Promise<LoadHandle | undefined> {
  const entry = sharedWorker(script);
  if (!entry || !(await entry.up)) return undefined;
  const { worker, jobs } = entry;
  const job = nextJob++;
  const { sent, markSent, failSent } = sentSignal();
  let loaded: (error: Error | undefined) => void = () => undefined;
  let finished = false;
  const loading = new Promise<Error | undefined>((resolve) => (loaded = resolve)).finally(() => (finished = true));
  const post = (message: ToWorker) => worker.postMessage(message);
  let ready: (ok: boolean) => void = () => undefined;
  const started = new Promise<boolean>((resolve) => (ready = resolve));
  const end = () => {
    jobs.delete(job);
    if (jobs.size === 0) worker.unref();
  };
  jobs.set(job, (message) => {
    switch (message.t) {
      case 'up':
        return;
      case 'ready':
        return ready(message.ok);
      case 'progress':
        return hooks.progress(message.digest, message.bytes, message.force);
      case 'staged':
        return void hooks.staged({ digest: message.digest, size: message.size }, message.path).then(
          () => post({ t: 'searched', job, digest: message.digest, settled: hooks.settled() }),
          (error: unknown) => post({ t: 'searched', job, digest: message.digest, settled: true, error: toWire(error) }),
        );
      case 'sent':
        return markSent();
      case 'sent-failed':
        return failSent(fromWire(message.error));
      case 'loaded': {
        const error = message.error ? fromWire(message.error) : undefined;
        ready(false);
        if (error) failSent(error);
        end();
        return loaded(error);
      }
    }
  });
  worker.ref();
  post({ t: 'start', job, input });
  if (!(await started)) {
    end();
    return undefined;
  }
  return {
    sent,
    loading,
    gate: {
      open: (tags) => post({ t: 'open', job, tags }),
      refuse: (error) => post({ t: 'refuse', job, error: toWire(error) }),
    },
    // The worker ends the stream before it reports the load settled; an import that closes earlier refuses first.
    close: async () => {
      if (!finished) post({ t: 'refuse', job, error: { code: 'INTERNAL', message: 'The import was stopped.' } });
      await loading;
    },
  };
}

/**
 * The worker script: next to this module when it runs from source (under tsx: tests, benches), or
 * the one `npm run build` puts next to the bundle (dist/main/import-worker.cjs beside the core host,
 * dist/import-worker.mjs beside the CLI and its chunks). Undefined when there is none: the import
 * then runs on its own thread.
 */
export function importWorkerScript(): URL | undefined {
  const here = moduleUrl();
  if (!here) return undefined;
  const candidates = ['./import-worker-entry.ts', './import-worker.cjs', './import-worker.mjs', '../import-worker.mjs'];
  for (const candidate of candidates) {
    const url = new URL(candidate, here);
    if (url.protocol === 'file:' && existsSync(url)) return url;
  }
  return undefined;
}

/** This module's URL, or the bundle's it was built into (a CommonJS bundle has no import.meta). */
function moduleUrl(): string | undefined {
  if (typeof __filename === 'string') return pathToFileURL(__filename).href;
  try {
    return import.meta.url || undefined;
  } catch {
    return undefined;
  }
}
