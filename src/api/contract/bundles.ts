/**
 * Operations: mirror sources, bundle import and catalog, tasks, trust roots, tag policy
 * (issue 4; docs/import.md). Plus the import progress subscription.
 */
import { z } from 'zod';
import { tagPatternSchema } from '../../bundles/model';
import { op, sub } from './define';
import { empty, filePath } from './schemas';

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'a digest is sha256:<64 lower-case hex characters>');

/** Where images come from, as the operator types it; credentials travel here, never in the URL. */
const sourceInput = {
  source: z.string().min(1, 'a source is required').max(4096),
  insecure: z.boolean().optional(),
  caFile: filePath.optional(),
  credentials: z
    .object({ username: z.string().min(1).max(256), password: z.string().max(4096) })
    .strict()
    .optional(),
};

const sourceDescription = z.object({
  kind: z.enum(['registry', 'oci-layout', 'archive']),
  location: z.string(),
  insecure: z.boolean(),
  transport: z.enum(['https', 'http']).optional(),
  format: z.enum(['docker-save', 'oci-layout']).optional(),
  /** Parts of the source left out, each named: listed for the operator, not an error. */
  problems: z.array(z.string()).optional(),
});

const signatureInfo = z.object({
  format: z.enum(['cosign-classic', 'sigstore-bundle', 'detached', 'none']),
  signerFingerprint: z.string().nullable(),
  signedDigest: z.string().nullable(),
});

export const bundleSummary = z.object({
  name: z.string(),
  version: z.string(),
  digest: z.string(),
  indexDigest: z.string().nullable(),
  imageId: z.string(),
  description: z.string(),
  maintainer: z.string(),
  state: z.enum(['active', 'revoked', 'untrusted', 'image-removed']),
  /** Why the bundle is not active ('' when it is). */
  reason: z.string(),
  tasks: z.object({ total: z.number().int(), enabled: z.number().int(), disabled: z.number().int() }),
  source: z.object({ kind: z.string(), location: z.string(), ref: z.string(), insecure: z.boolean() }),
  signature: signatureInfo,
  size: z.number().int(),
  importedAt: z.string(),
  importedBy: z.string(),
  imageRemovedAt: z.string().nullable(),
});

export const taskInfo = z.object({
  bundle: z.string(),
  version: z.string(),
  digest: z.string(),
  id: z.string(),
  title: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  access: z.enum(['read-only', 'read-write']),
  enabled: z.boolean(),
  /** Why it is enabled or disabled, naming the rule that decided. */
  reason: z.string(),
});

/** A config variable as the task declares it (docs/codebundle-format.md); null where not declared. */
export const taskVariable = z.object({
  name: z.string(),
  type: z.enum(['string', 'number', 'boolean', 'enum', 'file']),
  description: z.string(),
  default: z.union([z.string(), z.number(), z.boolean()]).nullable(),
  pattern: z.string().nullable(),
  enum: z.array(z.string()).nullable(),
  example: z.string().nullable(),
  required: z.boolean(),
  /** A value to type without showing it (a password input); still recorded like any value. */
  sensitive: z.boolean(),
});

/** A task's full declaration: what the run form is generated from. */
export const taskDeclaration = taskInfo.extend({
  config: z.array(taskVariable),
  secrets: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      /** Vault items bound to the bundle, by name (never values); null when the caller may not see the vault. */
      vaultItems: z.array(z.string()).nullable(),
    }),
  ),
  network: z.string(),
  timeoutSeconds: z.number().int(),
  resources: z.object({ cpu: z.number(), memoryMiB: z.number().int(), pids: z.number().int() }),
  /** A run of it waits for a second person (runner.requireApproval and a read-write task). */
  approvalRequired: z.boolean(),
  /** A written reason is required to start it (read-write tasks). */
  reasonRequired: z.boolean(),
  /** Labels a node must carry to run it (codebundle.yaml's `placement`); null: it runs anywhere, here by default. */
  placement: z.object({ labels: z.record(z.string(), z.string()) }).nullable(),
  /** Per-run SSH certificates the task asks for, and which of their principals no admin grant allows now (docs/credentials.md). */
  sshCredentials: z.array(z.object({ name: z.string(), principals: z.array(z.string()), notAllowed: z.array(z.string()) })),
});

/** A task's SSH credential whose principals are not all allowed for its bundle or tags: those will not be in its certificates. */
export const principalsNotGranted = z.object({ task: z.string(), credential: z.string(), principals: z.array(z.string()) });

const trustKey = z.object({
  fingerprint: z.string(),
  algorithm: z.string(),
  comment: z.string(),
  addedBy: z.string(),
  addedAt: z.string(),
  removedBy: z.string().nullable(),
  removedAt: z.string().nullable(),
});

const policy = z.object({ allow: z.array(z.string()), deny: z.array(z.string()) });
const revocation = z.object({ digest: z.string(), reason: z.string(), revokedBy: z.string(), revokedAt: z.string() });
const bundleRef = z.object({ name: z.string(), version: z.string(), digest: z.string() });
const policyFlip = z.object({ bundle: z.string(), version: z.string(), task: z.string(), title: z.string(), reason: z.string() });
const tagList = z.object({ tags: z.array(tagPatternSchema).min(1, 'give at least one tag pattern').max(64) }).strict();

/**
 * What a tag in a mirror names: an image (a bundle, or any other image), or one of cosign's
 * artefacts beside it (`sha256-<hex>.sig`, `.att`, `.sbom`) or the OCI 1.1 referrers fallback tag
 * (`sha256-<hex>`). `mirror list` shows only images unless asked for all.
 */
export const MIRROR_TAG_KINDS = ['image', 'signature', 'attestation', 'sbom', 'referrers'] as const;

export const importStage = z.enum(['engine', 'open', 'resolve', 'verify', 'fetch', 'read', 'policy', 'load', 'record', 'done']);

export const bundlesOps = {
  'mirror.list': op({
    summary: 'Repositories and tags in a mirror source; with a repository, its tags and their digests.',
    access: 'bundles.import',
    mutates: false,
    secretFields: ['credentials'],
    input: z.object({ ...sourceInput, repository: z.string().min(1).max(255).optional() }).strict(),
    output: z.object({
      source: sourceDescription,
      repositories: z.array(
        z.object({
          name: z.string(),
          tags: z.array(z.object({ tag: z.string(), digest: z.string().optional(), kind: z.enum(MIRROR_TAG_KINDS) })),
        }),
      ),
    }),
  }),
  'bundles.import': op({
    summary: 'Import a CodeBundle image from a mirror source: verified, policy-checked, loaded, recorded.',
    access: 'bundles.import',
    mutates: true,
    secretFields: ['credentials'],
    input: z
      .object({
        ...sourceInput,
        ref: z.string().min(1, 'an image reference (repo:tag or repo@sha256:…) is required').max(512),
        signatureFile: filePath.optional(),
        payloadFile: filePath.optional(),
        /** Chosen by the caller to follow the import on `bundles.importProgress`. */
        progressId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/)
          .optional(),
      })
      .strict()
      .refine((i) => (i.signatureFile === undefined) === (i.payloadFile === undefined), {
        message: 'give both --signature and --payload, or neither',
        path: ['signatureFile'],
      }),
    output: z.object({
      outcome: z.enum(['imported', 'reloaded', 'already-imported']),
      bundle: bundleSummary,
      tasks: z.array(taskInfo),
      signature: signatureInfo.extend({ signaturesOptionalUsed: z.boolean(), note: z.string().optional() }),
      source: sourceDescription,
      bytes: z.number().int(),
      /** Principals the tasks ask for that no admin grant allows as the import finished (runs still get only allowed ones). */
      principalsNotGranted: z.array(principalsNotGranted),
    }),
  }),
  'bundles.list': op({
    summary: 'Imported bundles, newest version first, with their state.',
    access: 'signedIn',
    mutates: false,
    input: empty,
    output: z.object({ bundles: z.array(bundleSummary) }),
  }),
  'bundles.show': op({
    summary: 'One bundle (NAME for its newest version, NAME@VERSION, or a digest) with its tasks.',
    access: 'signedIn',
    mutates: false,
    input: z.object({ ref: z.string().min(1).max(300) }).strict(),
    output: z.object({ bundle: bundleSummary, tasks: z.array(taskInfo), revocation: revocation.nullable() }),
  }),
  'bundles.revoke': op({
    summary: 'Revoke a digest: its tasks are disabled at once and it can no longer be imported.',
    access: 'trust.manage',
    mutates: true,
    input: z.object({ digest, reason: z.string().trim().min(1, 'say why').max(1000) }).strict(),
    output: z.object({ revocation, created: z.boolean(), affected: z.array(bundleRef) }),
  }),
  'bundles.prune': op({
    summary: 'Remove the images of unused bundles (revoked, untrusted, or superseded) from the engine.',
    access: 'bundles.import',
    mutates: true,
    input: empty,
    output: z.object({
      removed: z.array(bundleRef.extend({ imageId: z.string(), why: z.string() })),
      kept: z.array(bundleRef.extend({ why: z.string() })),
    }),
  }),
  'tasks.list': op({
    summary: 'Tasks of every bundle (or of one), with whether they may run now and why.',
    access: 'signedIn',
    mutates: false,
    input: z.object({ bundle: z.string().min(1).max(300).optional() }).strict(),
    output: z.object({ tasks: z.array(taskInfo) }),
  }),
  'tasks.show': op({
    summary:
      "One task's full declaration: variables, secrets (with the vault items bound to its bundle), network, timeout, resources, policy status.",
    access: 'signedIn',
    mutates: false,
    input: z.object({ bundle: z.string().min(1).max(300), task: z.string().min(1).max(63) }).strict(),
    output: z.object({ task: taskDeclaration }),
  }),
  'trust.addKey': op({
    summary: 'Add a trust root: a PEM public key (cosign.pub).',
    access: 'trust.manage',
    mutates: true,
    input: z
      .object({
        pem: z
          .string()
          .min(1)
          .max(16 * 1024),
        comment: z.string().max(200).optional(),
      })
      .strict(),
    output: z.object({ key: trustKey, outcome: z.enum(['added', 'restored', 'already-trusted']) }),
  }),
  'trust.list': op({
    summary: 'Trust roots (with removed ones when asked).',
    access: 'signedIn',
    mutates: false,
    input: z.object({ includeRemoved: z.boolean().optional() }).strict(),
    output: z.object({ keys: z.array(trustKey) }),
  }),
  'trust.remove': op({
    summary: 'Remove a trust root: bundles it signed are disabled at once.',
    access: 'trust.manage',
    mutates: true,
    input: z.object({ fingerprint: z.string().min(12).max(100) }).strict(),
    output: z.object({ key: trustKey, affected: z.array(bundleRef) }),
  }),
  'policy.show': op({
    summary: 'The tag policy (allow and deny patterns) and the default.',
    access: 'signedIn',
    mutates: false,
    input: empty,
    output: z.object({ policy, default: policy }),
  }),
  'policy.allow': op({
    summary: 'Allow task tags (globs); drops identical deny patterns. Takes effect at once.',
    access: 'trust.manage',
    mutates: true,
    input: tagList,
    output: z.object({ policy }),
  }),
  'policy.deny': op({
    summary: 'Deny task tags (globs); drops identical allow patterns. Takes effect at once.',
    access: 'trust.manage',
    mutates: true,
    input: tagList,
    output: z.object({ policy }),
  }),
  'policy.preview': op({
    summary: 'Preview a tag-policy change before saving it: the tasks of imported bundles it would make usable or unusable.',
    access: 'trust.manage',
    mutates: false,
    input: z
      .object({
        change: z.enum(['allow', 'deny', 'clear']),
        /** The patterns to allow or deny (not for `clear`). */
        tags: z.array(tagPatternSchema).max(64).optional(),
      })
      .strict()
      .refine((i) => i.change === 'clear' || (i.tags?.length ?? 0) > 0, { message: 'give at least one tag pattern', path: ['tags'] }),
    output: z.object({ policy, usable: z.array(policyFlip), unusable: z.array(policyFlip) }),
  }),
  'policy.clear': op({
    summary: 'Back to the default policy (deny access:read-write).',
    access: 'trust.manage',
    mutates: true,
    input: empty,
    output: z.object({ policy }),
  }),
} as const;

export const bundlesSubscriptions = {
  'bundles.importProgress': sub({
    summary: 'Progress of an import started with the same progressId.',
    access: 'bundles.import',
    input: z.object({ progressId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }).strict(),
    event: z.object({
      progressId: z.string(),
      stage: importStage,
      message: z.string(),
      received: z.number().optional(),
      total: z.number().optional(),
      /** While fetching: each layer (manifest order) with its size and the bytes received so far. */
      layers: z.array(z.object({ digest: z.string(), size: z.number(), received: z.number() })).optional(),
    }),
  }),
} as const;
