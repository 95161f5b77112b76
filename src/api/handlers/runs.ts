/**
 * Runs: start (takes the runner lease in this process on first use), list, show, logs, approve,
 * cancel. Texts a task wrote leave the core neutralised for display (runner/text.ts).
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { ApiError } from '../../kernel';
import { redactorFor, sensitiveNames, buildRunReport, writeNewFileAtomic } from '../../egress';
import { MASK } from '../../redact';
import { rolesAllow } from '../permissions';
import { layoutOf } from '../../store';
import { nodesForRun } from '../../nodes';
import { issuedCertificates } from '../../vault';
import {
  Lease,
  RunRecords,
  checkRun,
  describeHolder,
  displayLine,
  searchLog,
  firstErrorLine,
  displayText,
  issuesAcrossRuns,
  openSecrets,
  openSshCredentials,
  prepareJob,
  startDetails,
  type Runner,
  type RunRecord,
} from '../../runner';
import type { RunJob, NewRun } from '../../runner';
import type { ReadCore } from '../core';
import { newOutputFile } from './output-file';
import { sshTokenOpener } from './tokens';
import { type Handler, type HandlerContext, needSession } from './types';

function mustFind(core: ReadCore, id: string): RunRecord {
  const run = new RunRecords(core.db).get(id);
  if (!run) throw new ApiError('NOT_FOUND', `No run ${id}: check the run id.`);
  return run;
}

const WAIT_POLL_MS = 1000;

/** Reads the run until it is finished (it is held by another process, or by none and recovery settles it). */
async function settledInStore(core: ReadCore, id: string): Promise<RunRecord> {
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
    criticalIssues: r.issues.filter((i) => i.severity === 1).length,
    cancelRequestedBy: r.cancelRequestedBy,
    purged: r.purged,
    node: r.node,
  };
}

/** The run's configuration as shown: values of variables marked sensitive are never shown back. */
function shownConfig(core: ReadCore, r: RunRecord): RunRecord['config'] {
  const values = { ...r.config.values };
  for (const name of sensitiveNames(core, r)) if (name in values) values[name] = MASK;
  return { ...r.config, values };
}

function details(core: ReadCore, r: RunRecord) {
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
    timeoutSeconds: r.timeoutSeconds,
    deadline: r.deadline,
    error: r.error === null ? null : displayText(r.error),
    sandbox: r.sandbox,
    issueList: r.issues.map(clean),
    report: r.report.map(clean),
    warnings: r.warnings.map((w) => displayText(w)),
    sshCertificates: issuedCertificates(core.db, { runId: r.id }),
    log: logSize(core, r),
    placement: r.placement,
    retryOf: r.retryOf,
  };
}

/**
 * The runner counts a run's output when it settles it. Before that (running), or when it never did
 * (a run settled as interrupted after a crash), the sizes are those of the lines stored so far.
 */
function logSize(core: ReadCore, r: RunRecord) {
  const counted = r.state === 'finished' && (r.log.totalBytes > 0 || r.outcome !== 'interrupted');
  if (counted) return { ...r.log, complete: true };
  const stored = new RunRecords(core.db).storedLogBytes(r.id);
  return { totalBytes: stored, keptBytes: stored, truncated: r.log.truncated, complete: false };
}

export const runHandlers: {
  'runs.start': Handler<'runs.start'>;
  'runs.list': Handler<'runs.list'>;
  'runs.show': Handler<'runs.show'>;
  'runs.logs': Handler<'runs.logs'>;
  'runs.logSearch': Handler<'runs.logSearch'>;
  'runs.logFirstError': Handler<'runs.logFirstError'>;
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
      // The nodes that fit; their credentials open with the starting user's vault key, like the task's secrets.
      const nodes = checked.placement
        ? nodesForRun(ctx.db, session.keyring.vault, { ...checked.placement, access: checked.task.access })
        : null;
      const secrets = openSecrets(core, checked, session.keyring.vault);
      let ssh: ReturnType<typeof openSshCredentials> = null;
      let job: RunJob;
      let record: NewRun;
      let runner: Runner;
      try {
        ssh = openSshCredentials(core, checked, session.keyring.vault, sshTokenOpener(core, ctx.db, input.tokenPin));
        runner = await core.runner.ensure();
        ({ job, record } = prepareJob(core, checked, session.name, secrets, runner.instanceId, nodes, ssh));
        // Fenced: a process that lost the lease (frozen past its timeout) records no new run.
        ctx.change(() => runner.fenced(() => new RunRecords(ctx.db).insert(record)), {
          target: `run:${record.id}`,
          details: startDetails(checked),
        });
      } catch (error) {
        for (const v of secrets.values()) v.fill(0);
        ssh?.destroy();
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
      // Times compare as the store writes them (UTC, toISOString), whatever offset the caller gave.
      const utc = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
      const page = new RunRecords(ctx.db).page({ ...input, from: utc(input.from), to: utc(input.to) });
      return {
        runs: page.runs.map(summary),
        total: page.total,
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
      const records = new RunRecords(ctx.db);
      const lines = records.logs(input.id, { afterSeq: input.afterSeq ?? 0, limit: input.limit ?? 1000 });
      return {
        lines: lines.map((l) => ({ runId: run.id, ...l, text: displayLine(l.text) })),
        finished: run.state === 'finished',
        lastSeq: records.lastLogSeq(input.id),
      };
    },
  },

  'runs.logSearch': {
    run: (ctx, input) => {
      mustFind(ctx.core, input.id);
      return searchLog(new RunRecords(ctx.db), input.id, input.text, input.limit ?? 10_000);
    },
  },

  'runs.logFirstError': {
    run: (ctx, input) => {
      mustFind(ctx.core, input.id);
      return { seq: firstErrorLine(new RunRecords(ctx.db), input.id) };
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
        throw new ApiError(
          'CONFLICT',
          `Run ${run.id} is not waiting for approval (it is ${run.state}${run.outcome ? `, ${run.outcome}` : ''}).`,
        );
      }
      ctx.change(
        () => {
          if (!new RunRecords(ctx.db).approve(run.id, session.name, ctx.core.clock.now().toISOString())) {
            throw new ApiError('CONFLICT', `Run ${run.id} was approved or settled meanwhile.`);
          }
        },
        {
          target,
          details: { bundle: `${run.bundle.name}@${run.bundle.version}`, task: run.task.id, startedBy: run.startedBy, reason: run.reason },
        },
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
      if (!any && !rolesAllow(session.roles, 'runs.start'))
        deny(ctx, 'runs.cancel', target, 'Your roles do not allow cancelling runs: operators cancel their own, admins any.');
      const run = mustFind(ctx.core, input.id);
      if (!any && run.startedBy.toLowerCase() !== session.name.toLowerCase()) {
        deny(
          ctx,
          'runs.cancel',
          target,
          `Run ${run.id} was started by ${run.startedBy}; operators cancel only their own runs (an admin can cancel any).`,
        );
      }
      if (run.state === 'finished') {
        ctx.change(() => undefined, { target, details: { result: 'already-finished' } });
        return { id: run.id, result: 'already-finished' as const };
      }
      ctx.change(() => new RunRecords(ctx.db).requestCancel(run.id, ctx.actor, ctx.core.clock.now().toISOString()), {
        target,
        details: { state: run.state },
      });
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
    run: (ctx, input) => issuesAcrossRuns(ctx.db, input),
  },
};

/** `runs export` (docs/redaction.md): a redacted run report in a new file; audited with what was applied, never the content. */
export const runExportHandlers: { 'runs.export': Handler<'runs.export'>; 'runs.saveLog': Handler<'runs.saveLog'> } = {
  'runs.export': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      const run = mustFind(core, input.id);
      const out = newOutputFile(input.outPath);
      const vaultKey = session.keyring.vault;
      const redactor = redactorFor(core, 'runsExport', {
        ...(input.ruleSet ? { ruleSet: input.ruleSet } : {}),
        ...(vaultKey ? { vaultKey } : {}),
        run,
        record: true,
      });
      const doc = buildRunReport(core.db, run, redactor, core.clock.now().toISOString());
      const counts = redactor.counts();
      const replacements = Object.values(counts).reduce((a, b) => a + b, 0);
      doc.redaction = { ruleSet: redactor.ruleSet, version: redactor.version, replacements, counts };
      const bytes = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      writeNewFileAtomic(out, bytes);
      const result = {
        id: run.id,
        path: out,
        ruleSet: redactor.ruleSet,
        version: redactor.version,
        counts,
        replacements,
        sha256,
        bytes: bytes.length,
      };
      ctx.change(() => undefined, {
        target: `run:${run.id}`,
        details: {
          file: basename(out),
          ruleSet: result.ruleSet,
          version: result.version,
          replacements,
          counts,
          sha256,
          bytes: result.bytes,
        },
      });
      return result;
    },
    target: (input) => `run:${input.id}`,
  },

  /**
   * The log as the run view shows it (neutralised lines, no redaction), saved for the operator's own
   * use: it is what `runs logs` prints. Sharing outside goes through `runs.export`, which redacts.
   */
  'runs.saveLog': {
    run: (ctx, input) => {
      const run = mustFind(ctx.core, input.id);
      if (run.purged.logs) throw new ApiError('CONFLICT', `The log of run ${run.id} was purged; there is nothing to save.`);
      const out = newOutputFile(input.outPath);
      const records = new RunRecords(ctx.db);
      const parts: string[] = [];
      let lines = 0;
      for (let after = 0; ;) {
        const page = records.logs(run.id, { afterSeq: after, limit: 10_000 });
        for (const l of page) {
          const text = displayLine(l.text);
          parts.push(input.timestamps ? `${l.time} ${l.stream} ${text}\n` : `${text}\n`);
        }
        lines += page.length;
        if (page.length < 10_000) break;
        after = page[page.length - 1]!.seq;
      }
      const bytes = Buffer.from(parts.join(''), 'utf8');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      writeNewFileAtomic(out, bytes);
      ctx.change(() => undefined, { target: `run:${run.id}`, details: { file: basename(out), lines, bytes: bytes.length, sha256 } });
      return { id: run.id, path: out, lines, bytes: bytes.length, sha256 };
    },
    target: (input) => `run:${input.id}`,
  },
};
