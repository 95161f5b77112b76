/**
 * The zod schema of codebundle.yaml (format documented in docs/codebundle-format.md). Strict: an
 * unknown field is an error, so a typo never silently weakens a task's limits.
 */
import { z } from 'zod';
import { RESERVED_ENV_NAMES, RESERVED_ENV_PREFIXES } from './contract';

export const CODEBUNDLE_API_VERSION = 'airgap-runner.io/v1';

const CONFIG_TYPES = ['string', 'number', 'boolean', 'enum', 'file'] as const;
const ACCESS = ['read-only', 'read-write'] as const;

function oneOf<T extends string>(values: readonly [T, ...T[]]) {
  return z.enum(values, { error: `expected one of ${values.join(', ')}` });
}

// Control characters are exactly what these patterns look for.
/* eslint-disable no-control-regex */
const CONTROL_RE = /[\u0000-\u001f\u007f]/;
const CONTROL_EXCEPT_NEWLINE_TAB_RE = /[\u0000-\u0008\u000b-\u001f\u007f]/;
/* eslint-enable no-control-regex */

/** Printable text on one line (titles, names): no control characters. */
const line = (max: number) =>
  z
    .string({ error: 'expected text' })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_RE.test(s), 'must be on one line, without control characters');

/** Free text (descriptions): newlines allowed, other control characters not. */
const text = (max: number) =>
  z
    .string({ error: 'expected text' })
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_EXCEPT_NEWLINE_TAB_RE.test(s), 'must not contain control characters');

const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const dnsName = z
  .string({ error: 'expected text' })
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be lower-case letters, digits and "-", 1-63 characters, not starting or ending with "-"',
  );

const tag = z
  .string({ error: 'expected text' })
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}(:[A-Za-z0-9][A-Za-z0-9._/-]{0,63})?$/,
    'must look like "access:read-only" or "data:config" (letters, digits, ".", "_", "/", "-", one optional ":")',
  );

const envName = z
  .string({ error: 'expected text' })
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an environment name: upper-case letters, digits and "_", starting with a letter')
  .refine(
    (n) => !RESERVED_ENV_NAMES.includes(n) && !RESERVED_ENV_PREFIXES.some((p) => n.startsWith(p)),
    `is reserved (${RESERVED_ENV_NAMES.join(', ')} and names starting with ${RESERVED_ENV_PREFIXES.join(', ')})`,
  );

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

export const configVariableSchema = z
  .strictObject({
    name: envName,
    type: oneOf(CONFIG_TYPES),
    description: text(2000).optional(),
    default: z.union([z.string().max(4096), z.number(), z.boolean()], { error: 'expected text, a number or true/false' }).optional(),
    pattern: z.string().max(512).refine(compiles, 'is not a valid regular expression').optional(),
    enum: z.array(line(200)).min(1).max(100).optional(),
    example: text(400).optional(),
    required: z.boolean({ error: 'expected true or false' }).default(false),
    /** The value is masked exactly on every egress path (run report export, LLM prompts; docs/redaction.md). */
    sensitive: z.boolean({ error: 'expected true or false' }).default(false),
  })
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (v.type === 'enum' && !v.enum) issue('enum', 'is required when type is enum');
    if (v.type !== 'enum' && v.enum) issue('enum', 'is only allowed when type is enum');
    if (v.pattern !== undefined && v.type !== 'string') issue('pattern', 'is only allowed when type is string');
    if (v.default === undefined) return;
    if (v.type === 'file') issue('default', 'is not allowed for a file variable: the operator picks the file at run time');
    else if (v.type === 'number' && typeof v.default !== 'number') issue('default', 'must be a number for a number variable');
    else if (v.type === 'boolean' && typeof v.default !== 'boolean') issue('default', 'must be true or false for a boolean variable');
    else if ((v.type === 'string' || v.type === 'enum') && typeof v.default !== 'string')
      issue('default', `must be text for a ${v.type} variable`);
    else if (v.type === 'enum' && v.enum && !v.enum.includes(String(v.default))) issue('default', 'must be one of the enum values');
    else if (v.type === 'string' && v.pattern && compiles(v.pattern) && !new RegExp(`^(?:${v.pattern})$`, 'u').test(String(v.default))) {
      issue('default', 'does not match pattern');
    }
  });
export type ConfigVariable = z.infer<typeof configVariableSchema>;

export const secretSchema = z.strictObject({
  /** Also the file name under /airgap/secrets/. */
  name: z
    .string({ error: 'expected text' })
    .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be lower-case letters, digits, "_", "." or "-" (it becomes a file name)'),
  description: text(2000).optional(),
});
export type SecretRef = z.infer<typeof secretSchema>;

/**
 * A short-lived credential the runner makes for each run (docs/credentials.md): for
 * `ssh-certificate`, a fresh key pair whose public key the site's SSH CA signs for the run's
 * lifetime, with the principals asked here that an admin allowed. Mounted next to the secrets as
 * NAME (the private key) and NAME-cert.pub.
 */
export const credentialSchema = z.strictObject({
  type: z.literal('ssh-certificate', { error: 'must be "ssh-certificate" (the only kind of credential so far)' }),
  name: z
    .string({ error: 'expected text' })
    .regex(/^[a-z0-9][a-z0-9_.-]{0,47}$/, 'must be lower-case letters, digits, "_", "." or "-", at most 48 (it becomes a file name)'),
  principals: z
    .array(
      z
        .string({ error: 'expected text' })
        .regex(/^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/, 'must be letters, digits, "_", ".", "@" or "-" (an SSH principal)'),
      { error: 'expected a list of principals' },
    )
    .min(1, 'must ask for at least one principal')
    .max(16, 'must ask for at most 16 principals'),
  description: text(2000).optional(),
});
export type CredentialDecl = z.infer<typeof credentialSchema>;

export const resourcesSchema = z.strictObject({
  cpu: z.number({ error: 'expected a number of CPUs' }).min(0.05, 'must be at least 0.05').max(64, 'must be at most 64').default(1),
  memoryMiB: z
    .number({ error: 'expected a whole number of MiB' })
    .int('must be a whole number')
    .min(16, 'must be at least 16')
    .max(65536, 'must be at most 65536')
    .default(512),
  pids: z
    .number({ error: 'expected a whole number' })
    .int('must be a whole number')
    .min(8, 'must be at least 8')
    .max(4096, 'must be at most 4096')
    .default(128),
});

const NETWORK_MESSAGE = 'must be "none" or the name of a network an admin defined (never host, bridge or default)';
const network = z
  .string({ error: NETWORK_MESSAGE })
  .refine((n) => n === 'none' || (/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(n) && !['host', 'bridge', 'default'].includes(n)), NETWORK_MESSAGE);

const PLACEMENT_KEY = 'a label key is lower-case letters, digits, ".", "_", "/" and "-" (at most 63)';
/** Where a task may run (docs/remote-engines.md, "Placement"): labels an enrolled node must carry. */
export const placementSchema = z.strictObject({
  labels: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9._/-]{0,62}$/, PLACEMENT_KEY), line(200), {
      error: `expected a map of label: value (${PLACEMENT_KEY})`,
    })
    .refine((labels) => Object.keys(labels).length >= 1 && Object.keys(labels).length <= 16, 'must name 1 to 16 labels'),
});

export const taskSchema = z
  .strictObject({
    id: dnsName,
    title: line(200),
    description: text(4000).optional(),
    tags: z.array(tag).max(32, 'must have at most 32 tags').default([]),
    access: oneOf(ACCESS),
    command: z
      .array(
        z
          .string({ error: 'expected text' })
          .min(1, 'must not be empty')
          .max(4096)
          .refine((s) => !s.includes('\0'), 'must not contain NUL'),
        {
          error: 'expected a list of strings (argv)',
        },
      )
      .min(1, 'must name a program')
      .max(64, 'must have at most 64 arguments')
      .refine((argv) => argv[0]?.startsWith('/') === true, 'the program (first element) must be an absolute path inside the image'),
    config: z.array(configVariableSchema).max(64).default([]),
    secrets: z.array(secretSchema).max(16).default([]),
    credentials: z.array(credentialSchema).max(4).default([]),
    timeoutSeconds: z
      .number({ error: 'expected a whole number of seconds' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(86400, 'must be at most 86400 (one day)')
      .default(180),
    resources: resourcesSchema.default({ cpu: 1, memoryMiB: 512, pids: 128 }),
    network: network.default('none'),
    placement: placementSchema.optional(),
  })
  .superRefine((task, ctx) => {
    const accessTags = task.tags.map((t, i) => [t.toLowerCase(), i] as const).filter(([t]) => t.startsWith('access:'));
    const expected = `access:${task.access}`;
    if (accessTags.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['tags'], message: `must include "${expected}" to match access: ${task.access}` });
    }
    for (const [t, i] of accessTags) {
      if (t !== expected) ctx.addIssue({ code: 'custom', path: ['tags', i], message: `"${t}" disagrees with access: ${task.access}` });
    }
    duplicates(
      task.config.map((c) => c.name),
      ['config'],
      'name',
      ctx,
    );
    duplicates(
      task.secrets.map((s) => s.name),
      ['secrets'],
      'name',
      ctx,
    );
    // A credential's two files live next to the secrets: no name may be taken twice.
    const taken = new Set(task.secrets.map((s) => s.name));
    task.credentials.forEach((c, i) => {
      for (const file of [c.name, `${c.name}-cert.pub`]) {
        if (taken.has(file))
          ctx.addIssue({ code: 'custom', path: ['credentials', i, 'name'], message: `"${file}" is already a secret or credential file` });
        taken.add(file);
      }
    });
  });
export type CodebundleTask = z.infer<typeof taskSchema>;

function duplicates(values: readonly string[], path: Array<string | number>, field: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [...path, i, field], message: `"${value}" is used twice` });
    seen.add(value);
  });
}

export const codebundleSchema = z
  .strictObject({
    apiVersion: z.literal(CODEBUNDLE_API_VERSION, { error: `must be "${CODEBUNDLE_API_VERSION}"` }),
    name: dnsName,
    version: z.string({ error: 'expected text' }).max(128).regex(SEMVER_RE, 'must be a semantic version such as 1.2.0'),
    description: text(4000),
    maintainer: line(200),
    tasks: z
      .array(taskSchema, { error: 'expected a list of tasks' })
      .min(1, 'must declare at least one task')
      .max(100, 'must declare at most 100 tasks'),
  })
  .superRefine((bundle, ctx) =>
    duplicates(
      bundle.tasks.map((t) => t.id),
      ['tasks'],
      'id',
      ctx,
    ),
  );
export type Codebundle = z.infer<typeof codebundleSchema>;
