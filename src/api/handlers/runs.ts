/**
 * Runs: start (takes the runner lease in this process on first use), list, show, logs, approve,
 * cancel. Texts a task wrote leave the core neutralised for display (runner/text.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ApiError } from '../../kernel';
import { redactorFor, sensitiveNames } from '../../redact/core';
import { MASK } from '../../redact/mask';
import { buildRunReport, writeNewFileAtomic } from '../../redact/run-report';
import { rolesAllow } from '../permissions';
import { layoutOf } from '../../store/files';
import {
  Lease,
  RunRecords,
  checkRun,
  describeHolder,
  displayLine,
  displayText,
  openSecrets,
  prepareJob,
  startDetails,
  type Runner,
  type RunRecord,
} from '../../runner';
import type { RunJob } from '../../runner/execute';
import type { NewRun } from '../../runner/records';
import type { Core } from '../core';
import { type Handler, type HandlerContext, needSession } from './types';

function records(core: Core): RunRecords {
  return new RunRecords(core.store.db);
}

function mustFind(core: Core, id: string): RunRecord {
  const run = records(core).get(id);
  if (!run) throw new ApiError('NOT_FOUND', `No run ${id}. List runs with "runs list".`);
  return run;
}

const WAIT_POLL_MS = 1000;

/** Reads the run until it is finished (it is held by another process, or by none and recovery settles it). */
async function settledInStore(core: Core, id: string): Promise<RunRecord> {
  for (;;) {
    const run = mustFind(core, id);
    if (run.state === 'finished') return run;
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

/** A refusal decided by the handler (not the roles table): recorded as denied, like the dispatcher's. */
function deny(ctx: HandlerContext, action: string, target: string | null, message: string): never {
  ctx.core.transact(() => undefined, { actor: ctx.actor, action, target, outcome: 'denied', details: { error: 'FORBIDDEN' } });
  ctx.markRecorded();
  throw new ApiError('FORBIDDEN', message);
}

function summary(r: RunRecord) {
  return {
    id: r.id,
    bundle: r.bundle,
    task: { ...r.task, title: displayLine(r.task.title) },
    startedBy: r.startedBy,
    state: r.state,
    outcome: r.outcome,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    exitCode: r.exitCode,
    approvedBy: r.approvedBy,
    issues: r.issues.length,
    purged: r.purged,
  };
}

/** The run's configuration as shown: values of variables marked sensitive are never shown back. */
function shownConfig(core: Core, r: RunRecord): RunRecord['config'] {
  const values = { ...r.config.values };
  for (const name of sensitiveNames(core, r)) if (name in values) values[name] = MASK;
  return { ...r.config, values };
}

function details(core: Core, r: RunRecord) {
  const clean = <T extends object>(o: T): T => {
    const out = { ...o } as Record<string, unknown>;
    for (const [k, v] of Object.entries(out)) if (typeof v === 'string') out[k] = displayText(v);
    return out as T;
  };
  return {
    ...summary(r),
    imageId: r.imageId,
    reason: r.reason === null ? null : displayText(r.reason),
    config: shownConfig(core, r),
    approvalRequired: r.approvalRequired,
    approvedAt: r.approvedAt,
    cancelRequestedBy: r.cancelRequestedBy,
    timeoutSeconds: r.timeoutSeconds,
    deadline: r.deadline,
    error: r.error === null ? null : displayText(r.error),
    sandbox: r.sandbox,
    issueList: r.issues.map(clean),
    report: r.report.map(clean),
    warnings: r.warnings.map((w) => displayText(w)),
    log: r.log,
  };
}

export const runHandlers: {
  'runs.start': Handler<'runs.start'>;
  'runs.list': Handler<'runs.list'>;
  'runs.show': Handler<'runs.show'>;
  'runs.logs': Handler<'runs.logs'>;
  'runs.wait': Handler<'runs.wait'>;
  'runs.approve': Handler<'runs.approve'>;
  'runs.cancel': Handler<'runs.cancel'>;
  'issues.list': Handler<'issues.list'>;
} = {
  'runs.start': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      const checked = checkRun(core, core.runner.bundles, input);
      const secrets = openSecrets(core, checked, session.keyring.vault);
      let job: RunJob;
      let record: NewRun;
      let runner: Runner;
      try {
        runner = await core.runner.ensure();
        ({ job, record } = prepareJob(core, checked, session.name, secrets, runner.instanceId));
        ctx.change(() => records(core).insert(record), { target: `run:${record.id}`, details: startDetails(checked) });
      } catch (error) {
        for (const v of secrets.values()) v.fill(0);
        throw error;
      }
      runner.submit(job, record.state === 'awaiting-approval');
      return { id: record.id, state: record.state, approvalRequired: record.approvalRequired };
    },
    target: (input) => `bundle:${input.bundle}`,
  },

  'runs.list': {
    run: (ctx, input) => {
      const holder = Lease.holder(layoutOf(ctx.core.home).lease);
      return {
        runs: records(ctx.core).list({ limit: input.limit ?? 50, ...(input.state ? { state: input.state } : {}) }).map(summary),
        runner: { held: holder !== null, holder: holder ? describeHolder(holder, new Date()) : null },
      };
    },
  },

  'runs.show': {
    run: (ctx, input) => details(ctx.core, mustFind(ctx.core, input.id)),
  },

  'runs.logs': {
    run: (ctx, input) => {
      const run = mustFind(ctx.core, input.id);
      const lines = records(ctx.core).logs(input.id, { afterSeq: input.afterSeq ?? 0, limit: input.limit ?? 1000 });
      return { lines: lines.map((l) => ({ runId: run.id, ...l, text: displayLine(l.text) })), finished: run.state === 'finished' };
    },
  },

  'runs.wait': {
    run: async (ctx, input) => {
      mustFind(ctx.core, input.id);
      // This process's runner wakes us when it settles the run; another process's is watched in the store.
      const held = await ctx.core.runner.waitFor(input.id);
      const settled = held?.state === 'finished' ? held : await settledInStore(ctx.core, input.id);
      return { id: settled.id, state: settled.state, outcome: settled.outcome };
    },
  },

  'runs.approve': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const run = mustFind(ctx.core, input.id);
      const target = `run:${run.id}`;
      if (run.startedBy.toLowerCase() === session.name.toLowerCase()) {
        deny(ctx, 'runs.approve', target, 'You started this run; another operator or an admin must approve it (two-person rule).');
      }
      if (run.state !== 'awaiting-approval') {
        throw new ApiError('CONFLICT', `Run ${run.id} is not waiting for approval (it is ${run.state}${run.outcome ? `, ${run.outcome}` : ''}).`);
      }
      ctx.change(
        () => {
          if (!records(ctx.core).approve(run.id, session.name, ctx.core.clock.now().toISOString())) {
            throw new ApiError('CONFLICT', `Run ${run.id} was approved or settled meanwhile.`);
          }
        },
        { target, details: { bundle: `${run.bundle.name}@${run.bundle.version}`, task: run.task.id, startedBy: run.startedBy, reason: run.reason } },
      );
      ctx.core.runner.current()?.poll();
      return { id: run.id, state: 'queued' as const };
    },
    target: (input) => `run:${input.id}`,
  },

  'runs.cancel': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const target = `run:${input.id}`;
      const any = rolesAllow(session.roles, 'runs.cancelAny');
      if (!any && !rolesAllow(session.roles, 'runs.start')) deny(ctx, 'runs.cancel', target, 'Your roles do not allow cancelling runs: operators cancel their own, admins any.');
      const run = mustFind(ctx.core, input.id);
      if (!any && run.startedBy.toLowerCase() !== session.name.toLowerCase()) {
        deny(ctx, 'runs.cancel', target, `Run ${run.id} was started by ${run.startedBy}; operators cancel only their own runs (an admin can cancel any).`);
      }
      if (run.state === 'finished') {
        ctx.change(() => undefined, { target, details: { result: 'already-finished' } });
        return { id: run.id, result: 'already-finished' as const };
      }
      ctx.change(() => records(ctx.core).requestCancel(run.id, ctx.actor, ctx.core.clock.now().toISOString()), { target, details: { state: run.state } });
      const runner = ctx.core.runner.current();
      if (runner?.holds(run.id)) {
        runner.cancelLocal(run.id, { outcome: 'cancelled', by: ctx.actor });
        return { id: run.id, result: 'cancelled' as const };
      }
      return { id: run.id, result: 'requested' as const };
    },
    target: (input) => `run:${input.id}`,
  },

  'issues.list': {
    run: (ctx, input) => issuesAcrossRuns(ctx.core, input),
  },
};

type IssuesInput = { severity?: number | undefined; since?: string | undefined; bundle?: string | undefined; task?: string | undefined; latest?: boolean | undefined; limit?: number | undefined };
interface IssueRunRow {
  id: string;
  bundle_name: string;
  bundle_version: string;
  task_id: string;
  task_title: string;
  created_at: string;
  outcome: RunRecord['outcome'];
  issues: string;
}

const SEVERITY_NAMES = ['critical', 'major', 'minor', 'info'] as const;

/**
 * Issues of the runs that match, flattened with the run each came from, most severe first (then
 * newest). With `latest`, only each bundle's task's last finished run counts: what is still open.
 */
function issuesAcrossRuns(core: Core, input: IssuesInput) {
  const where: string[] = [];
  const params: string[] = [];
  if (input.since) {
    where.push('created_at >= ?');
    params.push(new Date(input.since).toISOString());
  }
  if (input.bundle) {
    const [name, version] = input.bundle.split('@', 2);
    where.push('bundle_name = ?');
    params.push(name!);
    if (version) {
      where.push('bundle_version = ?');
      params.push(version);
    }
  }
  if (input.task) {
    where.push('task_id = ?');
    params.push(input.task);
  }
  const filter = where.length ? `AND ${where.join(' AND ')}` : '';
  const columns = 'id, bundle_name, bundle_version, task_id, task_title, created_at, outcome, issues';
  const sql = input.latest
    ? `SELECT ${columns} FROM (SELECT ${columns}, ROW_NUMBER() OVER (PARTITION BY bundle_name, task_id ORDER BY created_at DESC, rowid DESC) AS n
         FROM runs WHERE state = 'finished' ${filter}) WHERE n = 1 AND issues <> '[]' ORDER BY created_at DESC`
    : `SELECT ${columns} FROM runs WHERE issues <> '[]' ${filter} ORDER BY created_at DESC, rowid DESC`;
  const rows = core.store.db.prepare(sql).all(...params) as IssueRunRow[];
  const worst = input.severity ?? 4;
  const all = rows.flatMap((r) => {
    const run = { id: r.id, bundle: { name: r.bundle_name, version: r.bundle_version }, task: { id: r.task_id, title: displayLine(r.task_title) }, createdAt: r.created_at, outcome: r.outcome };
    return (JSON.parse(r.issues) as RunRecord['issues'])
      .filter((i) => i.severity <= worst)
      .map((i) => ({ ...Object.fromEntries(Object.entries(i).map(([k, v]) => [k, typeof v === 'string' ? displayText(v) : v])), severity: i.severity, run }) as RunRecord['issues'][number] & { run: typeof run });
  });
  // Stable: within a severity, newest run first (the rows' order).
  all.sort((a, b) => a.severity - b.severity);
  const counts = { critical: 0, major: 0, minor: 0, info: 0 };
  for (const i of all) counts[SEVERITY_NAMES[i.severity - 1] ?? 'info'] += 1;
  const limit = input.limit ?? 200;
  return { issues: all.slice(0, limit), counts, truncated: all.length > limit };
}

/** `runs export` (docs/redaction.md): a redacted run report in a new file; audited with what was applied, never the content. */
export const runExportHandlers: { 'runs.export': Handler<'runs.export'> } = {
  'runs.export': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      const run = mustFind(core, input.id);
      const out = resolve(input.outPath);
      if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new ApiError('INVALID_INPUT', `The folder ${dirname(out)} does not exist. Create it or choose another place.`);
      if (existsSync(out)) throw new ApiError('CONFLICT', `${out} already exists. Choose a new file name; exports never overwrite a file.`);
      const vaultKey = session.keyring.vault;
      const redactor = redactorFor(core, 'runsExport', { ...(input.ruleSet ? { ruleSet: input.ruleSet } : {}), ...(vaultKey ? { vaultKey } : {}), run, record: true });
      const doc = buildRunReport(core.store.db, run, redactor, core.clock.now().toISOString());
      const counts = redactor.counts();
      const replacements = Object.values(counts).reduce((a, b) => a + b, 0);
      doc.redaction = { ruleSet: redactor.ruleSet, version: redactor.version, replacements, counts };
      const bytes = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      writeNewFileAtomic(out, bytes);
      const result = { id: run.id, path: out, ruleSet: redactor.ruleSet, version: redactor.version, counts, replacements, sha256, bytes: bytes.length };
      ctx.change(() => undefined, {
        target: `run:${run.id}`,
        details: { file: basename(out), ruleSet: result.ruleSet, version: result.version, replacements, counts, sha256, bytes: result.bytes },
      });
      return result;
    },
    target: (input) => `run:${input.id}`,
  },
};
