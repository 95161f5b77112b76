/**
 * The docker-save tar the engine loads (Docker 20.10 cannot load OCI archives), synthesised on the
 * fly while the layers download, rather than written out as a second copy of every layer:
 *
 *   `<config hex>.json`, then `<layer hex>/layer.tar` for each distinct layer, top layer first, its
 *   bytes passed on as they arrive from the source; then, last, `manifest.json`.
 *
 * What keeps the engine from loading anything unverified:
 * - each layer's bytes come through MirrorSource.streamBlob: no byte past the signed size is passed
 *   on, and a layer's last chunk only once its size and sha256 matched the signed manifest;
 * - the engine keeps the entries in a scratch folder and loads nothing before the tar is complete,
 *   and manifest.json (without which it loads nothing) is only sent once the gate opens: after every
 *   layer was checked, codebundle.yaml read and parsed, the name@version checked and the tag policy
 *   applied;
 * - any failure (a digest, a size, a refusal) cuts the request instead: the engine gets an
 *   incomplete tar and keeps nothing.
 * So the engine's receiving overlaps our downloads (as skopeo's does), each byte crosses this
 * process once, and nothing is loaded before the checks.
 */
import { Readable } from 'node:stream';
import { teeToNewFile, type MirrorSource } from '../mirror';
import { digestHex, tarStream, type TarInputEntry } from '../oci';
import { stagedPath } from './import-fetch';

export interface LoadGate {
  /** Opens the gate: manifest.json goes out with these names, completing the tar. */
  open(repoTags: string[]): void;
  /** Cancels the layer downloads and fails the stream: the engine gets an incomplete tar and loads nothing. */
  refuse(error: Error): void;
}

export interface StreamedLayer {
  digest: string;
  size: number;
}

export interface StreamedImage {
  configBytes: Buffer;
  configDigest: string;
  /** Layers in manifest order (bottom first). */
  layers: readonly StreamedLayer[];
}

/**
 * A layer's bytes as they arrive, checked as MirrorSource.streamBlob checks them; `signal` aborts
 * when the gate refuses. Layers are asked for one at a time, top first.
 */
export type LayerBody = (layer: StreamedLayer, signal: AbortSignal) => AsyncIterable<Buffer>;

/** What a layer body reports to the import (directly, or from a worker thread by message). */
export interface LayerHooks {
  /** Is codebundle.yaml's search settled (no more layers need staging)? */
  settled(): boolean;
  /** A layer is in staging, checked: the search reads it (resolves once it has). */
  staged(layer: StreamedLayer, path: string): Promise<void>;
  progress(digest: string, bytes: number, force?: boolean): void;
}

/** The layers from `source`, checked as they stream; teed into `blobDir` while the search needs them. */
export function layerBody(source: MirrorSource, repository: string, blobDir: string, hooks: LayerHooks): LayerBody {
  return async function* (layer, signal) {
    const checked = source.streamBlob(repository, layer.digest, layer.size, {
      signal,
      onProgress: (bytes) => hooks.progress(layer.digest, bytes),
    });
    if (hooks.settled()) yield* checked;
    else {
      const path = stagedPath(blobDir, layer.digest);
      yield* teeToNewFile(checked, path);
      await hooks.staged(layer, path);
    }
    hooks.progress(layer.digest, layer.size, true);
  };
}

export interface DockerSaveStream {
  stream: Readable;
  gate: LoadGate;
  /** Resolves once every layer went out complete (all checked); rejects when one failed. */
  sent: Promise<void>;
}

/** DockerSaveStream.sent, and how to settle it. */
export function sentSignal(): { sent: Promise<void>; markSent: () => void; failSent: (error: Error) => void } {
  let markSent: () => void = () => undefined;
  let failSent: (error: Error) => void = () => undefined;
  const sent = new Promise<void>((resolve, reject) => {
    markSent = resolve;
    failSent = reject;
  });
  sent.catch(() => undefined); // the caller may be waiting on something else when it fails
  return { sent, markSent, failSent };
}

/** Returns the tar stream, its gate, and when every layer was sent. */
export function dockerSaveStream(image: StreamedImage, body: LayerBody): DockerSaveStream {
  let openGate: (tags: string[]) => void = () => undefined;
  let refuseGate: (error: Error) => void = () => undefined;
  const gated = new Promise<string[]>((resolve, reject) => {
    openGate = resolve;
    refuseGate = reject;
  });
  gated.catch(() => undefined); // observed below; a refusal before then must not be "unhandled"
  const { sent, markSent, failSent } = sentSignal();
  const abort = new AbortController();

  const layerName = (digest: string) => `${digestHex(digest)}/layer.tar`;
  const configName = `${digestHex(image.configDigest)}.json`;
  // Each distinct layer once, where it is topmost.
  const topDown = [...new Map([...image.layers].reverse().map((l) => [l.digest, l])).values()];

  async function* entries(): AsyncGenerator<TarInputEntry> {
    yield { type: 'file', path: configName, mode: 0o644, size: image.configBytes.length, body: image.configBytes };
    for (const layer of topDown) {
      yield { type: 'directory', path: digestHex(layer.digest), mode: 0o755 };
      yield { type: 'file', path: layerName(layer.digest), mode: 0o644, size: layer.size, body: () => body(layer, abort.signal) };
    }
    markSent();
    const repoTags = await gated;
    const manifest = Buffer.from(
      JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: image.layers.map((l) => layerName(l.digest)) }]),
      'utf8',
    );
    yield { type: 'file', path: 'manifest.json', mode: 0o644, size: manifest.length, body: manifest };
  }

  async function* guarded(): AsyncGenerator<Buffer> {
    try {
      yield* tarStream(entries());
    } catch (error) {
      const failure = error instanceof Error ? error : new Error('The image could not be streamed to the engine.');
      failSent(failure);
      throw failure;
    }
  }

  const stream = Readable.from(guarded(), { objectMode: false, highWaterMark: 1 << 20 });
  return {
    stream,
    sent,
    gate: {
      open: (tags) => openGate(tags),
      refuse: (error) => {
        abort.abort(error);
        refuseGate(error);
        failSent(error);
        stream.destroy(error);
      },
    },
  };
}
