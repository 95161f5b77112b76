/**
 * The docker-save tar the engine loads (Docker 20.10 cannot load OCI archives), synthesised on the
 * fly from private staging rather than written out as a second copy of every layer:
 *
 *   `<config hex>.json`, then `<layer hex>/layer.tar` for each layer *as soon as it has been fetched
 *   and its digest and size checked* (in the order they finish), then, last, `manifest.json`.
 *
 * The engine keeps the entries in a scratch folder and loads nothing before the tar is complete, and
 * manifest.json is only sent once the gate opens: after codebundle.yaml was read and parsed, the
 * name@version checked and the tag policy applied. A refusal fails the stream instead, which cuts the
 * request: the engine keeps nothing. So the engine's receiving overlaps our downloads (as skopeo's
 * does) without anything being loaded before the checks.
 */
import { Readable } from 'node:stream';
import { digestHex, tarStream, type TarInputEntry } from '../oci';

export interface LoadGate {
  /** Opens the gate: manifest.json goes out with these names, completing the tar. */
  open(repoTags: string[]): void;
  /** Fails the stream: the engine gets an incomplete tar and loads nothing. */
  refuse(error: Error): void;
}

/** Layers as they become ready (fetched and verified), in whatever order they finish. */
export class ReadyQueue {
  private readonly ready: string[] = [];
  private waiting: ((digest: string | Error) => void) | undefined;
  private failure: Error | undefined;

  push(digest: string): void {
    if (this.waiting) {
      const wake = this.waiting;
      this.waiting = undefined;
      wake(digest);
    } else this.ready.push(digest);
  }

  fail(error: Error): void {
    this.failure ??= error;
    const wake = this.waiting;
    this.waiting = undefined;
    wake?.(error);
  }

  async next(): Promise<string> {
    if (this.failure) throw this.failure;
    const queued = this.ready.shift();
    if (queued !== undefined) return queued;
    const got = await new Promise<string | Error>((resolve) => {
      this.waiting = resolve;
    });
    if (got instanceof Error) throw got;
    return got;
  }
}

export interface StreamedImage {
  configBytes: Buffer;
  configDigest: string;
  /** Layers in manifest order (bottom first), each with its staged path once ready. */
  layers: ReadonlyArray<{ digest: string; size: number; path: string }>;
}

/**
 * Returns the tar stream and its gate. Layer entries are emitted when `queue` says they are ready;
 * every distinct layer must be pushed once (a refusal instead fails the queue).
 */
export function dockerSaveStream(image: StreamedImage, queue: ReadyQueue): { stream: Readable; gate: LoadGate } {
  let openGate: (tags: string[]) => void = () => undefined;
  let refuseGate: (error: Error) => void = () => undefined;
  const gated = new Promise<string[]>((resolve, reject) => {
    openGate = resolve;
    refuseGate = reject;
  });
  gated.catch(() => undefined); // observed below; a refusal before then must not be "unhandled"

  const layerName = (digest: string) => `${digestHex(digest)}/layer.tar`;
  const configName = `${digestHex(image.configDigest)}.json`;
  const byDigest = new Map(image.layers.map((l) => [l.digest, l]));

  async function* entries(): AsyncGenerator<TarInputEntry> {
    yield { type: 'file', path: configName, mode: 0o644, size: image.configBytes.length, body: image.configBytes };
    for (let sent = 0; sent < byDigest.size; sent++) {
      const layer = byDigest.get(await queue.next());
      if (!layer) throw new Error('A layer that is not in the manifest was reported ready.');
      yield { type: 'directory', path: digestHex(layer.digest), mode: 0o755 };
      yield { type: 'file', path: layerName(layer.digest), mode: 0o644, size: layer.size, body: { path: layer.path } };
    }
    const repoTags = await gated;
    const manifest = Buffer.from(
      JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: image.layers.map((l) => layerName(l.digest)) }]),
      'utf8',
    );
    yield { type: 'file', path: 'manifest.json', mode: 0o644, size: manifest.length, body: manifest };
  }

  return {
    stream: Readable.from(tarStream(entries()), { objectMode: false, highWaterMark: 1 << 20 }),
    gate: {
      open: (tags) => openGate(tags),
      refuse: (error) => {
        queue.fail(error);
        refuseGate(error);
      },
    },
  };
}
