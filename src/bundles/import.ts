/**
 * The import pipeline (ARCHITECTURE.md, "CodeBundles and the offline mirror"), in its order:
 *
 *   engine answers -> resolve the ref (manifest size-capped) -> signature against the trust roots,
 *   before any layer is fetched or anything parsed -> revoked digest refused -> config, then layers,
 *   fetched by the signed manifest's digests and sizes, checked as they stream -> codebundle.yaml
 *   read from the layers as the engine will see them (size cap, strict tar) and parsed ->
 *   name@version conflict -> tag policy per task -> the engine loads the docker-save tar -> loaded
 *   image id must equal the config digest -> recorded in the catalog (with its audit event).
 *
 * The docker-save tar is synthesised while the layers download (import-load.ts): each layer's bytes
 * go to the engine as they arrive, top layer first, so each byte crosses this process once and the
 * engine's receiving overlaps the downloads (as skopeo's does). Only the layers codebundle.yaml's
 * search reads (from the top down to the one that settles it) are also written to private staging.
 * A layer's last chunk goes out only once its size and digest matched, and manifest.json, without
 * which the engine loads nothing, only after every layer and the codebundle.yaml, name@version and
 * policy checks; any failure cancels the downloads and cuts the stream instead.
 *
 * Every refusal is an ApiError and leaves nothing staged, loaded or recorded. The engine is
 * constructor-injected (the runner shares it); the catalog is a port the API layer implements, so
 * recording happens in the same transaction as the audit event.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../kernel';
import type { ContainerEngine, EngineInfo } from '../engine';
import {
  openMirrorSource,
  parseImageRef,
  resolvePlatformManifest,
  type HttpDeadlines,
  type MirrorSource,
  type OpenSourceOptions,
  type RegistryCredentials,
  type SourceDescription,
  DEFAULT_MANIFEST_MAX_BYTES,
} from '../mirror';
import { imageConfigSchema, sha256Digest } from '../oci';
import type { TrustedKey } from '../trust';
import { nameVersionConflict, type BundleRecord, type NewBundle } from './catalog';
import { checkManifestForImport, engineTagFor, type ImportableManifest } from './import-manifest';
import { CodebundleSearch } from './import-codebundle';
import { BlobProgressTracker, distinctBlobs, fetchBlobs, stagedPath } from './import-fetch';
import type { LayerHooks } from './import-load';
import { startLoad } from './import-worker';
import { checkImageSignature, type DetachedFiles, type SignatureOutcome } from './import-signature';
import { createStaging, removeStaging, sweepStaleStaging } from './import-staging';
import { codebundlePathFromLabels } from './label';
import { parseCodebundleYaml } from './parse';
import { evaluateTask, type TagPolicy } from './policy';
import type { Revocation } from './revocation';
import type { Codebundle } from './schema';

export interface ImportRequest {
  /** `registry://HOST[:PORT][/PREFIX]`, `oci:DIR` or `archive:FILE`. */
  source: string;
  /** `repo:tag` or `repo@sha256:…`. */
  ref: string;
  insecure?: boolean;
  caFile?: string;
  credentials?: RegistryCredentials;
  /** Detached cosign files (docker save archives). */
  detached?: DetachedFiles;
}

export type ImportStage = 'engine' | 'open' | 'resolve' | 'verify' | 'fetch' | 'read' | 'policy' | 'load' | 'record' | 'done';

export interface ImportProgress {
  stage: ImportStage;
  message: string;
  /** fetch: bytes so far and in all (config and layers). */
  received?: number;
  total?: number;
  /** fetch: each layer of the image in the manifest's order, with its bytes so far (the config is in `received` only). */
  layers?: LayerProgress[];
}

export interface LayerProgress {
  digest: string;
  size: number;
  received: number;
}

/** What the pipeline needs from the catalog; the API layer implements it over the store. */
export interface ImportCatalog {
  trustedKeys(): TrustedKey[];
  signaturesOptional(): boolean;
  policy(): TagPolicy;
  revocation(digests: ReadonlyArray<string | undefined>): Revocation | undefined;
  byDigest(digest: string): BundleRecord | undefined;
  byNameVersion(name: string, version: string): BundleRecord | undefined;
  /** Records a new bundle, in one transaction with its audit event. */
  record(bundle: NewBundle, summary: ImportSummary): BundleRecord;
  /** An image that prune removed was loaded again: recorded the same way. */
  reloaded(bundle: BundleRecord, summary: ImportSummary): BundleRecord;
}

export type ImportOutcome = 'imported' | 'reloaded' | 'already-imported';

export interface TaskDecision {
  id: string;
  title: string;
  access: 'read-only' | 'read-write';
  tags: string[];
  enabled: boolean;
  reason: string;
}

/** Everything the audit event and the caller get to know. */
export interface ImportSummary {
  outcome: ImportOutcome;
  source: SourceDescription;
  ref: string;
  digest: string;
  indexDigest: string | null;
  imageId: string;
  name: string;
  version: string;
  signature: SignatureOutcome;
  tasks: TaskDecision[];
  engine: Pick<EngineInfo, 'name' | 'version' | 'rootless'>;
  bytes: number;
}

export interface ImportResult extends ImportSummary {
  bundle: BundleRecord;
}

export interface BundleImporterOptions {
  engine: ContainerEngine;
  /** `<home>/staging`: import folders are made (0700) and removed under it. */
  stagingRoot: string;
  /** Part of the engine tag, so two stores on one engine keep separate references. */
  workstationId: string;
  actor: string;
  now?: () => Date;
  /** Tests wrap sources (e.g. to count reads). */
  openSource?: (spec: string, options: OpenSourceOptions) => Promise<MirrorSource>;
  manifestMaxBytes?: number;
  /** Deadlines of every registry request (the mirror.* settings); defaults otherwise. */
  deadlines?: HttpDeadlines;
  /**
   * A script that runs runImportWorker() (import-worker.ts): a registry import into the local
   * engine then moves its byte path onto a worker thread. Without it, or when the worker cannot
   * start, the import runs on this thread.
   */
  byteWorker?: string | URL;
}

export class BundleImporter {
  constructor(private readonly options: BundleImporterOptions) {}

  async import(request: ImportRequest, catalog: ImportCatalog, onProgress?: (progress: ImportProgress) => void): Promise<ImportResult> {
    const progress = (p: ImportProgress) => {
      try {
        onProgress?.(p);
      } catch {
        // A failing listener never breaks the import.
      }
    };
    const { repository, reference } = parseImageRef(request.ref);
    const engine = this.options.engine;

    // The engine first: nothing is downloaded for an engine that is not there.
    progress({ stage: 'engine', message: 'Asking the container engine' });
    const info = await engine.info();
    if (info.os !== 'linux')
      throw new ApiError('ENGINE_UNAVAILABLE', `The container engine runs ${info.os} containers; CodeBundles are Linux images.`);

    sweepStaleStaging(this.options.stagingRoot);
    const staging = await createStaging(this.options.stagingRoot);
    let source: MirrorSource | undefined;
    let undoTag: string | undefined;
    try {
      progress({ stage: 'open', message: `Opening ${request.source}` });
      const open = this.options.openSource ?? openMirrorSource;
      source = await open(request.source, {
        ...(request.insecure ? { insecure: true } : {}),
        ...(request.caFile ? { caFile: request.caFile } : {}),
        ...(request.credentials ? { credentials: request.credentials } : {}),
        stagingParent: staging,
        manifestMaxBytes: this.options.manifestMaxBytes ?? DEFAULT_MANIFEST_MAX_BYTES,
        ...(this.options.deadlines ? { deadlines: this.options.deadlines } : {}),
      });
      const description = source.describe();

      progress({ stage: 'resolve', message: `Resolving ${request.ref}` });
      const resolved = await source.resolve(repository, reference);
      const { manifest, index } = await resolvePlatformManifest(source, resolved, { os: 'linux', architecture: info.arch });

      progress({ stage: 'verify', message: `Checking the signature of ${manifest.digest}` });
      const signature = await checkImageSignature({
        source,
        repository,
        manifest,
        ...(index ? { index } : {}),
        trustedKeys: catalog.trustedKeys(),
        signaturesOptional: catalog.signaturesOptional(),
        ...(request.detached ? { detached: request.detached } : {}),
        scratchDir: staging,
      });
      refuseRevoked(catalog.revocation([manifest.digest, index?.digest]));

      const base = {
        source: description,
        ref: `${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`,
        digest: manifest.digest,
        indexDigest: index?.digest ?? null,
        signature,
        engine: { name: info.name, version: info.version, rootless: info.rootless },
      };
      const known = catalog.byDigest(manifest.digest);
      if (known && !known.imageRemovedAt && (await imagePresent(engine, known))) {
        progress({ stage: 'done', message: `${known.name}@${known.version} is already imported` });
        return { ...base, ...this.describe(known, catalog.policy()), outcome: 'already-imported', bytes: 0, bundle: known };
      }

      const image = checkManifestForImport(manifest);
      refuseRevoked(catalog.revocation([image.config.digest]));
      const blobDir = join(staging, 'blobs');
      // Per layer as the CLI's total: each distinct layer once, in the manifest's order, none fetched yet.
      let layerBars: LayerProgress[] = distinctBlobs(image.layers).map((l) => ({ digest: l.digest, size: l.size, received: 0 }));
      const fetchProgress = (offset: number, perLayer: boolean) => (received: number, _total: number, blobs: readonly LayerProgress[]) => {
        if (perLayer) layerBars = blobs.map(({ digest, size, received: got }) => ({ digest, size, received: got }));
        progress({
          stage: 'fetch',
          message: 'Fetching config and layers',
          received: offset + received,
          total: image.size,
          layers: layerBars,
        });
      };

      // The config first: small, and it says where codebundle.yaml is and what the image is built for.
      await fetchBlobs(source, repository, [image.config], blobDir, { concurrency: 1, onProgress: fetchProgress(0, false) });
      const configBytes = await readFile(stagedPath(blobDir, image.config.digest));
      const config = parseConfig(configBytes, image, info);
      const yamlPath = codebundlePathFromLabels(config.config?.Labels ?? {});

      // Layers stream to the engine as they arrive, checked on the way; it loads nothing until the gate
      // opens. Only the layers that codebundle.yaml's search reads (top down, until it is found) are
      // also written to staging, so the rest cross this process once and never touch its disk.
      const layerList = distinctBlobs(image.layers);
      const layerProgress = new BlobProgressTracker(layerList, fetchProgress(image.config.size, true));
      const search = new CodebundleSearch(yamlPath);
      const place = new Map<string, { index: number; mediaType: string }>(
        image.layers.map((l, index) => [l.digest, { index, mediaType: l.mediaType }]),
      );
      const hooks: LayerHooks = {
        settled: () => search.settled,
        // The topmost occurrence of a layer listed twice is where the search meets it.
        staged: async (layer, path) => {
          const { index, mediaType } = place.get(layer.digest)!;
          await search.next({ digest: layer.digest, mediaType, path }, index);
        },
        progress: (digest, bytes, force) => layerProgress.set(digest, bytes, force),
      };
      const streamed = { configBytes, configDigest: image.config.digest, layers: image.layers };
      const { gate, sent, loading, close } = await startLoad(this.options, request, engine, streamed, {
        source,
        repository,
        blobDir,
        hooks,
      });
      let gateOpen = false;
      let codebundle: Codebundle;
      let tasks: TaskDecision[];
      let engineTag: string;
      let existing: BundleRecord | undefined;
      try {
        layerProgress.report(true);
        // Every layer sent and checked; an engine that ends the request before that failed.
        await Promise.race([
          sent,
          loading.then((failed) => {
            throw failed ?? new Error('The container engine ended the load before the image was complete.');
          }),
        ]);

        progress({ stage: 'read', message: 'Reading codebundle.yaml' });
        codebundle = parseCodebundleYaml(search.result());
        const clash = catalog.byNameVersion(codebundle.name, codebundle.version);
        if (clash && clash.imageId !== image.config.digest)
          throw nameVersionConflict(codebundle.name, codebundle.version, clash.digest, manifest.digest);
        // The same image under another manifest (e.g. once from a registry, once from a docker save
        // archive): the same content, so the one catalog entry stands.
        existing = known ?? clash;
        if (existing && !existing.imageRemovedAt && (await imagePresent(engine, existing))) {
          gate.refuse(new Error('already imported'));
          await loading;
          return {
            ...base,
            ...this.describe(existing, catalog.policy()),
            outcome: 'already-imported',
            bytes: image.size,
            bundle: existing,
          };
        }

        progress({ stage: 'policy', message: 'Applying the tag policy' });
        tasks = decide(codebundle, catalog.policy());

        progress({ stage: 'load', message: 'Loading the image into the container engine' });
        engineTag = existing?.engineTag ?? engineTagFor(codebundle, image.config.digest, this.options.workstationId);
        undoTag = (await engine.inspectImage(engineTag)) ? undefined : engineTag;
        gate.open([engineTag]);
        gateOpen = true;
        const failed = await loading;
        if (failed) throw failed;
      } catch (error) {
        if (!gateOpen) {
          // Cancel the downloads and cut the stream: the engine got an incomplete tar and loads nothing.
          gate.refuse(error instanceof Error ? error : new Error('refused'));
          await loading;
        }
        throw error;
      } finally {
        await close();
      }
      const loaded = await engine.inspectImage(engineTag);
      if (!loaded || loaded.id !== image.config.digest) {
        throw new ApiError(
          'VERIFY_FAILED',
          `The container engine reports the loaded image as ${loaded?.id ?? 'missing'}, but its signed config digest is ${image.config.digest}; it was removed again and nothing was recorded. Check the engine.`,
        );
      }

      progress({ stage: 'record', message: 'Recording in the catalog' });
      const summary: ImportSummary = {
        ...base,
        outcome: existing ? 'reloaded' : 'imported',
        imageId: image.config.digest,
        name: codebundle.name,
        version: codebundle.version,
        tasks,
        bytes: image.size,
      };
      const record = () =>
        existing
          ? catalog.reloaded(existing, summary)
          : catalog.record(
              {
                name: codebundle.name,
                version: codebundle.version,
                digest: manifest.digest,
                indexDigest: index?.digest ?? null,
                imageId: image.config.digest,
                engineTag,
                description: codebundle.description,
                maintainer: codebundle.maintainer,
                codebundle,
                size: image.size,
                source: { kind: description.kind, location: description.location, ref: base.ref, insecure: description.insecure },
                signature: {
                  format: signature.format,
                  signerFingerprint: signature.signerFingerprint,
                  signedDigest: signature.signedDigest,
                },
                importedAt: (this.options.now?.() ?? new Date()).toISOString(),
                importedBy: this.options.actor,
              },
              summary,
            );
      let bundle: BundleRecord;
      try {
        bundle = record();
      } catch (error) {
        // Another importer (another process on this store) recorded the same image meanwhile: it
        // needs the image we both loaded under the same tag, so keep it and say so.
        const raced = catalog.byDigest(manifest.digest) ?? catalog.byNameVersion(codebundle.name, codebundle.version);
        if (raced && raced.imageId === image.config.digest) {
          undoTag = undefined;
          return { ...summary, outcome: 'already-imported', bundle: raced };
        }
        throw error;
      }
      undoTag = undefined;
      progress({ stage: 'done', message: `Imported ${bundle.name}@${bundle.version}` });
      return { ...summary, bundle };
    } catch (error) {
      // Nothing loaded may stay: untagging our own reference deletes an image nobody else holds.
      if (undoTag) await engine.removeImage(undoTag).catch(() => undefined);
      throw error;
    } finally {
      await source?.close().catch(() => undefined);
      await removeStaging(staging);
    }
  }

  private describe(bundle: BundleRecord, policy: TagPolicy): Pick<ImportSummary, 'imageId' | 'name' | 'version' | 'tasks'> {
    return { imageId: bundle.imageId, name: bundle.name, version: bundle.version, tasks: decide(bundle.codebundle, policy) };
  }
}

function refuseRevoked(revocation: Revocation | undefined): void {
  if (!revocation) return;
  throw new ApiError(
    'POLICY_DENIED',
    `The digest ${revocation.digest} was revoked by ${revocation.revokedBy} at ${revocation.revokedAt} (${revocation.reason}); it cannot be imported. Import a newer version of the bundle.`,
  );
}

async function imagePresent(engine: ContainerEngine, bundle: BundleRecord): Promise<boolean> {
  return (await engine.inspectImage(bundle.engineTag))?.id === bundle.imageId;
}

function decide(codebundle: Codebundle, policy: TagPolicy): TaskDecision[] {
  return codebundle.tasks.map((task) => {
    const decision = evaluateTask({ tags: task.tags, access: task.access }, policy);
    return { id: task.id, title: task.title, access: task.access, tags: task.tags, enabled: decision.allowed, reason: decision.reason };
  });
}

function parseConfig(bytes: Buffer, image: ImportableManifest, engine: EngineInfo) {
  if (sha256Digest(bytes) !== image.config.digest) throw new ApiError('VERIFY_FAILED', 'The image config does not match its digest.');
  let parsed;
  try {
    parsed = imageConfigSchema.parse(JSON.parse(bytes.toString('utf8')));
  } catch (error) {
    throw new ApiError('VERIFY_FAILED', `The image config ${image.config.digest.slice(0, 19)}… is not a valid image config.`, {
      cause: error,
    });
  }
  if (parsed.os && parsed.os !== 'linux')
    throw new ApiError('VERIFY_FAILED', `The image is built for ${parsed.os}; CodeBundles are Linux images.`);
  if (parsed.architecture && parsed.architecture !== engine.arch) {
    throw new ApiError(
      'VERIFY_FAILED',
      `The image is built for ${parsed.architecture}, but the container engine runs ${engine.arch}. Import the ${engine.arch} image of the bundle.`,
    );
  }
  if (parsed.rootfs.diff_ids.length !== image.layers.length) {
    throw new ApiError(
      'VERIFY_FAILED',
      `The image config lists ${parsed.rootfs.diff_ids.length} layers but the manifest ${image.layers.length}; the image is malformed.`,
    );
  }
  return parsed;
}
