/** Operations and subscriptions: runs (docs/runner.md). Texts from tasks come out neutralised for display. */
import { z } from 'zod';
import { issuedCertificate } from './ssh-ca';
import { op, sub } from './define';
import { RULE_SET_IDS } from '../../redact/model';

export const runId = z.string().regex(/^r-[a-z0-9]{10}$/, 'a run id looks like r-abcdefgh23');
const envName = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a variable name is upper-case letters, digits and "_"');
const secretName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'a secret or vault item name is lower-case letters, digits, "_", "." and "-"');

import { RUN_OUTCOMES, RUN_STATES } from './constants';
export { RUN_OUTCOMES, RUN_STATES };

const issue = z.object({
  severity: z.number().int(),
  title: z.string(),
  expected: z.string(),
  actual: z.string(),
  reproduceHint: z.string(),
  nextSteps: z.string(),
  details: z.string(),
  taskName: z.string(),
  observedAt: z.string(),
});
const reportBlock = z.object({ obj: z.string(), fmt: z.string(), taskName: z.string() });

const sandbox = z.object({
  engine: z.string(),
  engineVersion: z.string(),
  apiVersion: z.string(),
  rootless: z.boolean(),
  socket: z.string(),
  network: z.string(),
  networkKind: z.enum(['none', 'named', 'host-override']),
  user: z.string(),
  imageId: z.string(),
  readOnlyRootfs: z.boolean(),
  capDrop: z.array(z.string()),
  noNewPrivileges: z.boolean(),
  logDriver: z.literal('none'),
  tmpfs: z.array(z.string()),
  limits: z.object({
    cpu: z.number(),
    memoryMiB: z.number(),
    pids: z.number(),
    nofile: z.number(),
    nproc: z.number(),
    timeoutSeconds: z.number(),
  }),
  secrets: z.enum(['tmpfs', 'disk', 'none']),
  /** The enrolled node the run ran on (absent: this workstation). */
  node: z.string().optional(),
  /** On a node: the sandbox as the node's engine reported it. */
  inspected: z
    .object({
      readOnlyRootfs: z.boolean(),
      capDrop: z.array(z.string()),
      securityOpt: z.array(z.string()),
      privileged: z.boolean(),
      networkMode: z.string(),
      user: z.string(),
      pidsLimit: z.number(),
      memoryBytes: z.number(),
      nanoCpus: z.number(),
      logDriver: z.string(),
      mounts: z.array(z.object({ type: z.string(), target: z.string(), readOnly: z.boolean() })),
      tmpfs: z.array(z.string()),
    })
    .optional(),
});

const purgeMark = z.object({ at: z.string(), by: z.string() });

export const runSummary = z.object({
  id: z.string(),
  bundle: z.object({ name: z.string(), version: z.string(), digest: z.string() }),
  task: z.object({ id: z.string(), title: z.string(), access: z.enum(['read-only', 'read-write']) }),
  startedBy: z.string(),
  state: z.enum(RUN_STATES),
  outcome: z.enum(RUN_OUTCOMES).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  approvedBy: z.string().nullable(),
  issues: z.number().int(),
  /** How many of its issues are critical (severity 1): such a run is never shown as a plain success. */
  criticalIssues: z.number().int(),
  /** Who asked to cancel it, when someone did. */
  cancelRequestedBy: z.string().nullable(),
  /** When and by whom a purge removed the log and the issues/report (docs/retention.md). */
  purged: z.object({ logs: purgeMark.nullable(), report: purgeMark.nullable() }),
  /** The enrolled node it runs (ran) on; null: this workstation, or not chosen yet. */
  node: z.string().nullable(),
});

export const runDetails = runSummary.extend({
  imageId: z.string(),
  reason: z.string().nullable(),
  config: z.object({
    values: z.record(z.string(), z.string()),
    files: z.record(z.string(), z.string()),
    secrets: z.record(z.string(), z.string()),
  }),
  approvalRequired: z.boolean(),
  approvedAt: z.string().nullable(),
  timeoutSeconds: z.number().int(),
  deadline: z.string().nullable(),
  error: z.string().nullable(),
  sandbox: sandbox.nullable(),
  issues: z.number().int(),
  issueList: z.array(issue),
  report: z.array(reportBlock),
  warnings: z.array(z.string()),
  /** Per-run SSH certificates issued for this run (docs/credentials.md). */
  sshCertificates: z.array(issuedCertificate),
  /** complete: the runner counted the whole output when it settled the run; otherwise the sizes are of the lines stored so far. */
  log: z.object({ totalBytes: z.number(), keptBytes: z.number(), truncated: z.boolean(), complete: z.boolean() }),
  /** How its node was chosen (labels asked for, the node named, retry asked for); null: this workstation. */
  placement: z.object({ labels: z.record(z.string(), z.string()), node: z.string().nullable(), retryElsewhere: z.boolean() }).nullable(),
  /** The run this one retries on another node, after that node stopped answering. */
  retryOf: z.string().nullable(),
});

export const logLine = z.object({
  runId: z.string(),
  seq: z.number().int(),
  time: z.string(),
  stream: z.enum(['stdout', 'stderr', 'system']),
  text: z.string(),
  continues: z.boolean().optional(),
});

/** Columns runs.list sorts by (the store orders, so paging follows the sort). */
export const RUN_SORTS = ['created', 'ended', 'duration', 'task', 'bundle', 'startedBy', 'issues'] as const;
const isoTime = z.iso.datetime({ offset: true });

/** Filters, sort and page of runs.list: all optional; the default is the newest 50. */
export const runsListInput = z
  .object({
    limit: z.number().int().min(1).max(1000).optional(),
    offset: z.number().int().min(0).max(10_000_000).optional(),
    state: z.enum(RUN_STATES).optional(),
    outcome: z.enum(RUN_OUTCOMES).optional(),
    access: z.enum(['read-only', 'read-write']).optional(),
    /** Words found in the run id, bundle, task id or title, or who started it. */
    text: z.string().trim().max(200).optional(),
    /** Runs of one bundle (by name) and task (by id), e.g. a task's run history. */
    bundle: z.string().min(1).max(300).optional(),
    task: z.string().min(1).max(63).optional(),
    /** Only runs that raised a critical issue (severity 1). */
    critical: z.boolean().optional(),
    /** Created at or after `from`, and before `to`. */
    from: isoTime.optional(),
    to: isoTime.optional(),
    sort: z
      .object({ column: z.enum(RUN_SORTS), direction: z.enum(['ascending', 'descending']) })
      .strict()
      .optional(),
  })
  .strict();

export const runsOps = {
  'runs.start': op({
    summary: 'Start a task of an imported bundle (read-write tasks need a reason; they may wait for approval).',
    access: 'runs.start',
    mutates: true,
    secretFields: ['tokenPin'],
    input: z
      .object({
        bundle: z.string().min(1).max(300),
        task: z.string().min(1).max(63),
        values: z.record(envName, z.string().max(4096)).default({}),
        files: z.record(envName, z.string().min(1).max(4096)).default({}),
        secrets: z.record(secretName, secretName).default({}),
        reason: z.string().trim().max(2000).optional(),
        /** An enrolled node to run on (docs/remote-engines.md); absent: this workstation's engine. */
        node: z
          .string()
          .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)
          .optional(),
        /** Labels the node must carry, besides the task's own placement (docs/remote-engines.md, "Placement"). */
        placement: z
          .record(
            z.string().regex(/^[a-z0-9][a-z0-9._/-]{0,62}$/, 'a label key is lower-case letters, digits, ".", "_", "/" and "-"'),
            z.string().max(200),
          )
          .optional(),
        /** A read-only task whose node stops answering runs again on another fitting node. */
        retryElsewhere: z.boolean().optional(),
        /** The PIN of the token holding the SSH CA key, when a task needs an SSH certificate and the CA is on a token. Never stored. */
        tokenPin: z.string().min(1).max(256).optional(),
      })
      .strict(),
    output: z.object({ id: z.string(), state: z.enum(RUN_STATES), approvalRequired: z.boolean() }),
  }),
  'runs.list': op({
    summary: 'Recent runs, newest first, and who holds the runner lease.',
    access: 'signedIn',
    mutates: false,
    input: runsListInput,
    output: z.object({
      runs: z.array(runSummary),
      /** How many runs match the filters (the page is `runs`, from `offset`). */
      total: z.number().int(),
      runner: z.object({ held: z.boolean(), holder: z.string().nullable() }),
    }),
  }),
  'runs.show': op({
    summary: 'One run: configuration (secret names only), sandbox, outcome, issues, report, warnings.',
    access: 'signedIn',
    mutates: false,
    input: z.object({ id: runId }).strict(),
    output: runDetails,
  }),
  'runs.logs': op({
    summary: "A run's stored log lines after a sequence number (neutralised for display).",
    access: 'signedIn',
    mutates: false,
    input: z
      .object({ id: runId, afterSeq: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(10_000).optional() })
      .strict(),
    /** lastSeq: the highest line number stored so far (lines are numbered 1, 2, … without gaps), so a view knows the length before reading it. */
    output: z.object({ lines: z.array(logLine), finished: z.boolean(), lastSeq: z.number().int() }),
  }),
  'runs.logSearch': op({
    summary:
      "The line numbers of a run's log that contain some text (case-insensitive, as displayed): the first `limit`, and how many in all.",
    access: 'signedIn',
    mutates: false,
    input: z.object({ id: runId, text: z.string().min(1).max(200), limit: z.number().int().min(1).max(100_000).optional() }).strict(),
    output: z.object({ seqs: z.array(z.number().int()), total: z.number().int() }),
  }),
  'runs.logFirstError': op({
    summary: "The line number of the first line of a run's log written to stderr or reading like an error, or null.",
    access: 'signedIn',
    mutates: false,
    input: z.object({ id: runId }).strict(),
    output: z.object({ seq: z.number().int().nullable() }),
  }),
  'runs.wait': op({
    summary: 'Wait until a run is settled (finished with an outcome), e.g. for `run` to exit with it.',
    access: 'signedIn',
    mutates: false,
    input: z.object({ id: runId }).strict(),
    output: z.object({ id: z.string(), state: z.enum(RUN_STATES), outcome: z.enum(RUN_OUTCOMES).nullable() }),
  }),
  'runs.approve': op({
    summary: "Approve another user's read-write run waiting for approval (two-person rule).",
    access: 'runs.approve',
    mutates: true,
    input: z.object({ id: runId }).strict(),
    output: z.object({ id: z.string(), state: z.enum(RUN_STATES) }),
  }),
  'runs.cancel': op({
    summary: 'Cancel a run: operators their own, admins any. A running container is killed.',
    access: 'signedIn',
    mutates: true,
    input: z.object({ id: runId }).strict(),
    output: z.object({ id: z.string(), result: z.enum(['cancelled', 'requested', 'already-finished']) }),
  }),
  'issues.list': op({
    summary: 'Issues raised by runs, across runs, most severe first, each with the run it came from (neutralised for display).',
    access: 'signedIn',
    mutates: false,
    input: z
      .object({
        /** Only issues at least this severe (1 critical … 4 info). */
        severity: z.number().int().min(1).max(4).optional(),
        /** Only runs created at or after this time (ISO 8601). */
        since: z.string().datetime({ offset: true, message: 'since is a time such as 2026-11-26T08:00:00Z' }).optional(),
        bundle: z.string().min(1).max(300).optional(),
        task: z.string().min(1).max(63).optional(),
        /** Only the latest finished run of each bundle and task: what is still open. */
        latest: z.boolean().optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      })
      .strict(),
    output: z.object({
      issues: z.array(
        issue.extend({
          run: z.object({
            id: z.string(),
            bundle: z.object({ name: z.string(), version: z.string() }),
            task: z.object({ id: z.string(), title: z.string() }),
            createdAt: z.string(),
            outcome: z.enum(RUN_OUTCOMES).nullable(),
          }),
        }),
      ),
      counts: z.object({ critical: z.number().int(), major: z.number().int(), minor: z.number().int(), info: z.number().int() }),
      truncated: z.boolean(),
    }),
  }),
} as const;

/** `runs export` (docs/redaction.md): an egress, so audited with rule set, version, counts and the file's SHA-256. */
export const runsExportOps = {
  'runs.export': op({
    summary: 'Write a redacted run report (JSON: run metadata, issues, report, log) to a new file, for a vendor or another team.',
    access: 'runs.export',
    mutates: true,
    input: z.object({ id: runId, outPath: z.string().min(1).max(4096), ruleSet: z.enum(RULE_SET_IDS).optional() }).strict(),
    output: z.object({
      id: z.string(),
      path: z.string(),
      ruleSet: z.string(),
      version: z.string(),
      counts: z.record(z.string(), z.number().int()),
      replacements: z.number().int(),
      sha256: z.string(),
      bytes: z.number().int(),
    }),
  }),
  'runs.saveLog': op({
    summary: "Save a run's log as text to a new file (the lines as shown, optionally with their times), e.g. to attach to a ticket.",
    access: 'signedIn',
    mutates: true,
    input: z.object({ id: runId, outPath: z.string().min(1).max(4096), timestamps: z.boolean().optional() }).strict(),
    output: z.object({ id: z.string(), path: z.string(), lines: z.number().int(), bytes: z.number().int(), sha256: z.string() }),
  }),
} as const;

export const runsSubscriptions = {
  'runs.log': sub({
    summary: "A run's log: stored lines after afterSeq, then live lines as they are stored.",
    access: 'signedIn',
    input: z.object({ id: runId, afterSeq: z.number().int().min(0).optional() }).strict(),
    event: logLine,
  }),
  'runs.state': sub({
    summary: 'Run state changes (queued, running, finished with an outcome).',
    access: 'signedIn',
    input: z.object({ id: runId.optional() }).strict(),
    event: z.object({ runId: z.string(), state: z.enum(RUN_STATES), outcome: z.enum(RUN_OUTCOMES).nullable() }),
  }),
} as const;
