/**
 * Handlers: mirror listing, bundle import and catalog, tasks, prune (issue 4, docs/import.md). The
 * import pipeline itself is src/bundles/import.ts; here it gets its engine, staging folder and a
 * catalog port whose writes happen in one transaction with the call's audit event.
 */
import { readFile, stat } from 'node:fs/promises';
import type { z } from 'zod';
import {
  bundleByDigest,
  bundleByNameVersion,
  bundleView,
  findBundle,
  insertBundle,
  listBundleRecords,
  listTasks,
  pruneCandidates,
  readSignaturesOptional,
  revocationOf,
  setImageRemoved,
  statusContext,
  taskViews,
  type BundleRecord,
} from '../../bundles';
import {
  BundleImporter,
  importWorkerScript,
  type ImportCatalog,
  type ImportProgress,
  type ImportResult,
  type ImportSummary,
  readPolicy,
  revocationFor,
  revokeDigest,
  createStaging,
  removeStaging,
  activeTrustedKeys,
  type CodebundleTask,
} from '../../bundles';
import { checkRepository, MIRROR_SETTINGS, mirrorDeadlines, openMirrorSource, type OpenSourceOptions } from '../../mirror';
import { tagKind } from '../../oci';
import { layoutOf } from '../../store';
import { runnerSettings } from '../../runner';
import { VaultItems, principalsNotAllowed } from '../../vault';
import { rolesAllow } from '../permissions';
import { ApiError } from '../../kernel';
import type { bundleSummary } from '../contract/bundles';
import type { SubEvent, SubInput } from '../contract';
import type { Core, ReadCore } from '../core';
import { trustHandlers } from './trust';
import { needSigner, type Handler } from './types';

// --- import progress: on the core's bus, heard through the `bundles.importProgress` subscription ---

type ProgressEvent = SubEvent<'bundles.importProgress'>;

export const bundleSubscriptionHandlers: {
  'bundles.importProgress': (core: Core, input: SubInput<'bundles.importProgress'>, emit: (event: ProgressEvent) => void) => () => void;
} = {
  'bundles.importProgress': (core, input, emit) =>
    core.bus.on('importProgress', (event) => {
      if (event.progressId === input.progressId) emit(event);
    }),
};

// --- shaping ---

type BundleSummary = z.input<typeof bundleSummary>;

export function summarise(core: ReadCore, bundle: BundleRecord): BundleSummary {
  const view = bundleView(bundle, statusContext(core.db));
  return {
    name: bundle.name,
    version: bundle.version,
    digest: bundle.digest,
    indexDigest: bundle.indexDigest,
    imageId: bundle.imageId,
    description: bundle.description,
    maintainer: bundle.maintainer,
    state: view.state,
    reason: view.reason,
    tasks: { total: bundle.codebundle.tasks.length, enabled: view.enabledTasks, disabled: view.disabledTasks },
    source: bundle.source,
    signature: bundle.signature,
    size: bundle.size,
    importedAt: bundle.importedAt,
    importedBy: bundle.importedBy,
    imageRemovedAt: bundle.imageRemovedAt,
  };
}

const ref = (b: BundleRecord) => ({ name: b.name, version: b.version, digest: b.digest });

/** Never record credentials: a URL with user:pass@ is refused later, but the target is computed first. */
function sourceForRecord(source: string): string {
  return source.replace(/^([a-z]+:\/\/)[^/@]*@/i, '$1…@').slice(0, 1000);
}

function auditDetails(summary: ImportSummary): Record<string, unknown> {
  return {
    outcome: summary.outcome,
    source: summary.source.location,
    sourceKind: summary.source.kind,
    insecure: summary.source.insecure,
    ...(summary.source.transport ? { transport: summary.source.transport } : {}),
    ref: summary.ref,
    name: summary.name,
    version: summary.version,
    digest: summary.digest,
    indexDigest: summary.indexDigest,
    imageId: summary.imageId,
    signatureFormat: summary.signature.format,
    signer: summary.signature.signerFingerprint,
    signedDigest: summary.signature.signedDigest,
    signaturesOptionalUsed: summary.signature.signaturesOptionalUsed,
    ...(summary.signature.note ? { signatureNote: summary.signature.note } : {}),
    disabledTasks: summary.tasks.filter((t) => !t.enabled).map((t) => ({ id: t.id, reason: t.reason })),
    engine: `${summary.engine.name} ${summary.engine.version}${summary.engine.rootless ? ' (rootless)' : ''}`,
    bytes: summary.bytes,
  };
}

async function readSmallFile(path: string, max: number, what: string): Promise<Buffer> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new ApiError('NOT_FOUND', `The ${what} file ${path} does not exist (or is not a file).`);
  if (info.size > max)
    throw new ApiError('INVALID_INPUT', `The ${what} file ${path} is ${info.size} bytes; a cosign ${what} is at most ${max}.`);
  return await readFile(path);
}

function sourceOptions(input: {
  insecure?: boolean | undefined;
  caFile?: string | undefined;
  credentials?: { username: string; password: string } | undefined;
}): OpenSourceOptions {
  return {
    ...(input.insecure ? { insecure: true } : {}),
    ...(input.caFile ? { caFile: input.caFile } : {}),
    ...(input.credentials ? { credentials: input.credentials } : {}),
  };
}

// --- handlers ---

type BundleOps =
  'mirror.list' | 'bundles.import' | 'bundles.list' | 'bundles.show' | 'bundles.revoke' | 'bundles.prune' | 'tasks.list' | 'tasks.show';

const MAX_LISTED_TAGS = 1000;

export const bundleHandlers: { [N in BundleOps]: Handler<N> } & typeof trustHandlers = {
  'mirror.list': {
    run: async (ctx, input) => {
      const staging = await createStaging(layoutOf(ctx.core.home).staging);
      let source: Awaited<ReturnType<typeof openMirrorSource>> | undefined;
      try {
        source = await openMirrorSource(input.source, {
          ...sourceOptions(input),
          stagingParent: staging,
          deadlines: mirrorDeadlines(ctx.core.settings(MIRROR_SETTINGS)),
        });
        if (input.repository) {
          const repository = checkRepository(input.repository);
          const tags = (await source.listTags(repository)).slice(0, MAX_LISTED_TAGS);
          const withDigests = [];
          for (const tag of tags) withDigests.push({ tag, digest: (await source.resolve(repository, tag)).digest, kind: tagKind(tag) });
          return { source: source.describe(), repositories: [{ name: repository, tags: withDigests }] };
        }
        const repositories = [];
        for (const name of await source.listRepositories()) {
          repositories.push({
            name,
            tags: (await source.listTags(name)).slice(0, MAX_LISTED_TAGS).map((tag) => ({ tag, kind: tagKind(tag) })),
          });
        }
        return { source: source.describe(), repositories };
      } finally {
        await source?.close();
        await removeStaging(staging);
      }
    },
  },

  'bundles.import': {
    run: async (ctx, input) => {
      const core = ctx.core;
      const db = core.db;
      const detached = input.signatureFile
        ? {
            signature: await readSmallFile(input.signatureFile, 16 * 1024, 'signature'),
            payload: await readSmallFile(input.payloadFile!, 128 * 1024, 'payload'),
          }
        : undefined;
      const importer = new BundleImporter({
        engine: core.engine(),
        stagingRoot: layoutOf(core.home).staging,
        deadlines: mirrorDeadlines(core.settings(MIRROR_SETTINGS)),
        workstationId: core.workstationId,
        actor: ctx.actor,
        now: () => core.clock.now(),
        byteWorker: importWorkerScript(),
      });
      const target = (s: ImportSummary) => `bundle:${s.name}@${s.version}`;
      const catalog: ImportCatalog = {
        trustedKeys: () => activeTrustedKeys(db),
        signaturesOptional: () => readSignaturesOptional(db),
        policy: () => readPolicy(db),
        revocation: (digests) => revocationFor(db, digests),
        byDigest: (digest) => bundleByDigest(db, digest),
        byNameVersion: (name, version) => bundleByNameVersion(db, name, version),
        record: (bundle, summary) =>
          ctx.change(() => insertBundle(db, bundle), { target: target(summary), details: auditDetails(summary) }),
        reloaded: (bundle, summary) =>
          ctx.change(
            () => {
              setImageRemoved(db, bundle.id, null);
              return findBundle(db, bundle.digest);
            },
            { target: target(summary), details: auditDetails(summary) },
          ),
      };
      const onProgress = input.progressId
        ? (p: ImportProgress) => core.bus.emit('importProgress', { progressId: input.progressId!, ...p })
        : undefined;
      const result: ImportResult = await importer.import(
        { source: input.source, ref: input.ref, ...sourceOptions(input), ...(detached ? { detached } : {}) },
        catalog,
        onProgress,
      );
      // Re-importing a known digest changes nothing, but the call is still recorded, saying so.
      if (result.outcome === 'already-imported') ctx.change(() => undefined, { target: target(result), details: auditDetails(result) });
      const ctxStatus = statusContext(db);
      return {
        outcome: result.outcome,
        bundle: summarise(core, result.bundle),
        tasks: taskViews(result.bundle, ctxStatus),
        signature: result.signature,
        source: result.source,
        bytes: result.bytes,
        principalsNotGranted: result.bundle.codebundle.tasks.flatMap((task) =>
          task.credentials
            .map((c) => ({
              task: task.id,
              credential: c.name,
              principals: principalsNotAllowed(db, result.bundle.name, task.tags, c.principals),
            }))
            .filter((c) => c.principals.length > 0),
        ),
      };
    },
    target: (input) => `image:${sourceForRecord(input.source)} ${input.ref.slice(0, 512)}`,
    details: (input) => ({
      source: sourceForRecord(input.source),
      ref: input.ref,
      insecure: input.insecure ?? false,
      detachedSignature: Boolean(input.signatureFile),
    }),
  },

  'bundles.list': {
    run: (ctx) => ({ bundles: listBundleRecords(ctx.db).map((b) => summarise(ctx.core, b)) }),
  },

  'bundles.show': {
    run: (ctx, input) => {
      const db = ctx.db;
      const bundle = findBundle(db, input.ref);
      const status = statusContext(db);
      return { bundle: summarise(ctx.core, bundle), tasks: taskViews(bundle, status), revocation: revocationOf(bundle, status) ?? null };
    },
  },

  'bundles.revoke': {
    run: (ctx, input) => {
      const db = ctx.db;
      const signer = needSigner(ctx);
      return ctx.change(() => {
        const { revocation, created } = revokeDigest(db, input.digest, input.reason, ctx.actor, ctx.core.clock.now().toISOString(), signer);
        const affected = listBundleRecords(db).filter((b) => [b.digest, b.indexDigest, b.imageId].includes(input.digest));
        return { revocation, created, affected: affected.map(ref) };
      });
    },
    target: (input) => `digest:${input.digest}`,
    details: (input) => ({ digest: input.digest, reason: input.reason }),
  },

  'bundles.prune': {
    run: async (ctx) => {
      const db = ctx.db;
      const candidates = pruneCandidates(db);
      const removed: Array<ReturnType<typeof ref> & { imageId: string; why: string; id: number }> = [];
      const kept: Array<ReturnType<typeof ref> & { why: string }> = [];
      if (candidates.length > 0) {
        const engine = ctx.core.engine();
        const inUse = new Set((await engine.listContainers()).map((c) => c.imageId));
        for (const { bundle, why } of candidates) {
          if (inUse.has(bundle.imageId)) {
            kept.push({ ...ref(bundle), why: 'its image is used by a container' });
            continue;
          }
          try {
            // Our tag only: another store's reference to the same image keeps it in the engine.
            await engine.removeImage(bundle.engineTag);
          } catch (error) {
            if (!(error instanceof ApiError && error.code === 'NOT_FOUND')) {
              if (error instanceof ApiError && error.code === 'CONFLICT') {
                kept.push({ ...ref(bundle), why: 'the engine says its image is in use' });
                continue;
              }
              throw error;
            }
          }
          removed.push({ ...ref(bundle), imageId: bundle.imageId, why, id: bundle.id });
        }
      }
      const now = ctx.core.clock.now().toISOString();
      ctx.change(
        () => {
          for (const r of removed) setImageRemoved(db, r.id, now);
        },
        {
          details: {
            removed: removed.map((r) => `${r.name}@${r.version} (${r.why})`),
            kept: kept.map((k) => `${k.name}@${k.version} (${k.why})`),
          },
        },
      );
      return { removed: removed.map(({ id: _id, ...r }) => r), kept };
    },
  },

  'tasks.list': {
    run: (ctx, input) => ({ tasks: listTasks(ctx.db, input.bundle !== undefined ? { bundle: input.bundle } : {}) }),
  },

  'tasks.show': {
    run: (ctx, input) => {
      const db = ctx.db;
      const bundle = findBundle(db, input.bundle);
      const task = bundle.codebundle.tasks.find((t) => t.id === input.task);
      if (!task) {
        throw new ApiError(
          'NOT_FOUND',
          `${bundle.name}@${bundle.version} has no task "${input.task.slice(0, 63)}". Its tasks: ${bundle.codebundle.tasks.map((t) => t.id).join(', ')}.`,
        );
      }
      const view = taskViews(bundle, statusContext(db)).find((t) => t.id === task.id)!;
      // Item names (never values), to the roles that use the vault; the run form offers only these.
      const seesVault = ctx.session !== null && rolesAllow(ctx.session.roles, 'vault.manage');
      const bound = seesVault
        ? new VaultItems(db)
            .list()
            .filter((i) => i.bundles.includes(bundle.name))
            .map((i) => i.name)
        : null;
      return {
        task: {
          ...view,
          ...declaration(task),
          approvalRequired: runnerSettings(db).requireApproval && task.access === 'read-write',
          secrets: task.secrets.map((x) => ({ name: x.name, description: x.description ?? '', vaultItems: bound })),
          sshCredentials: task.credentials.map((c) => ({
            name: c.name,
            principals: c.principals,
            notAllowed: principalsNotAllowed(db, bundle.name, task.tags, c.principals),
          })),
        },
      };
    },
  },

  ...trustHandlers,
};

/** What the run form needs of a task's declaration; absent fields are null, not missing. */
function declaration(task: CodebundleTask) {
  return {
    config: task.config.map((v) => ({
      name: v.name,
      type: v.type,
      description: v.description ?? '',
      default: v.default ?? null,
      pattern: v.pattern ?? null,
      enum: v.enum ?? null,
      example: v.example ?? null,
      required: v.required,
      sensitive: v.sensitive,
    })),
    network: task.network,
    timeoutSeconds: task.timeoutSeconds,
    resources: task.resources,
    reasonRequired: task.access === 'read-write',
    placement: task.placement ? { labels: { ...task.placement.labels } } : null,
  };
}
