/**
 * The worker thread's side of import-worker.ts: each import ('start') opens its own source and engine
 * client and runs the same layerBody and dockerSaveStream the main thread would; the codebundle.yaml
 * search, the gate and the progress stay with the main thread, by message.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DockerodeEngine } from '../engine';
import { openMirrorSource, type MirrorSource } from '../mirror';
import { dockerSaveStream, layerBody, type LayerHooks, type LoadGate } from './import-load';
import { fromWire, IMPORT_WORKER_ROLE, toWire, type JobInput, type ToMain, type ToWorker } from './import-worker';

export function isImportWorker(): boolean {
  return !isMainThread && (workerData as { role?: unknown } | null)?.role === IMPORT_WORKER_ROLE;
}

interface Job {
  gate?: LoadGate;
  settled: boolean;
  waiting: Map<string, { resolve: () => void; reject: (error: Error) => void }>;
}

/** Serves imports until the main thread ends it. */
export function runImportWorker(): void {
  const port = parentPort!;
  const post = (message: ToMain) => port.postMessage(message);
  const jobs = new Map<number, Job>();
  port.on('message', (message: ToWorker) => {
    if (message.t === 'start') {
      const job: Job = { settled: message.input.settled, waiting: new Map() };
      jobs.set(message.job, job);
      void run(message.job, message.input, job, post).finally(() => jobs.delete(message.job));
      return;
    }
    const job = jobs.get(message.job);
    if (!job) return;
    if (message.t === 'searched') {
      job.settled = message.settled;
      const waiter = job.waiting.get(message.digest);
      job.waiting.delete(message.digest);
      if (message.error) waiter?.reject(fromWire(message.error));
      else waiter?.resolve();
    } else if (message.t === 'open') job.gate?.open(message.tags);
    else job.gate?.refuse(fromWire(message.error));
  });
  post({ t: 'up', job: 0 });
}

async function run(id: number, input: JobInput, job: Job, post: (message: ToMain) => void): Promise<void> {
  let source: MirrorSource;
  try {
    source = await openMirrorSource(input.spec, input.sourceOptions);
  } catch {
    // The main thread opened the same source; it runs the import itself.
    post({ t: 'ready', job: id, ok: false });
    return;
  }
  // Progress crosses at most once per MiB of a layer (and when a layer completes).
  const posted = new Map<string, number>();
  const hooks: LayerHooks = {
    settled: () => job.settled,
    staged: (layer, path) =>
      new Promise<void>((resolve, reject) => {
        job.waiting.set(layer.digest, { resolve, reject });
        post({ t: 'staged', job: id, digest: layer.digest, size: layer.size, path });
      }),
    progress: (digest, bytes, force = false) => {
      if (!force && bytes - (posted.get(digest) ?? 0) < 1 << 20) return;
      posted.set(digest, bytes);
      post({ t: 'progress', job: id, digest, bytes, force });
    },
  };
  const image = { ...input.image, configBytes: Buffer.from(input.image.configBytes) };
  const { stream, gate, sent } = dockerSaveStream(image, layerBody(source, input.repository, input.blobDir, hooks));
  job.gate = gate;
  sent.then(
    () => post({ t: 'sent', job: id }),
    (error: unknown) => post({ t: 'sent-failed', job: id, error: toWire(error) }),
  );
  post({ t: 'ready', job: id, ok: true });
  let failure: unknown;
  try {
    await new DockerodeEngine(input.socket).loadImage(stream);
  } catch (error) {
    failure = error;
  } finally {
    stream.destroy();
    await source.close().catch(() => undefined);
  }
  post({ t: 'loaded', job: id, ...(failure === undefined ? {} : { error: toWire(failure) }) });
}
