/**
 * AI summaries of runs (docs/llm.md): preview what would leave, send it, list what was sent.
 * The redactor is the LLM egress path's (`redactorFor(core, 'llm', …)`): every vault value, the
 * run's sensitive configuration values, the detectors and the site's patterns. Answers are mapped
 * back from pseudonyms here, on read, for users who may see the run.
 */
import { ApiError } from '../../kernel';
import { readSettings } from '../../store';
import { RunRecords, displayText, type RunRecord } from '../../runner';
import {
  LLM_SETTINGS,
  llmConfig,
  redactedPrompt,
  RunSummaries,
  summariseRun,
  SYSTEM_PROMPT,
  type RedactorFactory,
  type SummaryRecord,
} from '../../llm';
import { redactorFor, unmapPseudonyms } from '../../egress';
import type { Core, ReadCore } from '../core';
import type { Session } from '../../identity';
import { type Handler, needSession } from './types';

function mustFindRun(core: ReadCore, id: string): RunRecord {
  const run = new RunRecords(core.db).get(id);
  if (!run) throw new ApiError('NOT_FOUND', `No run ${id}: check the run id.`);
  return run;
}

/** The LLM path's redactor for one run: every vault value the session opens and the run's sensitive values masked. */
function llmRedactor(core: Core, session: Session, run: RunRecord): RedactorFactory {
  const options = { vaultKey: session.keyring.vault, run };
  return (record) =>
    record ? redactorFor(core, 'llm', { ...options, record: true }) : redactorFor(core, 'llm', { ...options, record: false });
}

/** The same redactor for a preview, which records no pseudonym. */
function previewRedactor(core: ReadCore, session: Session, run: RunRecord): RedactorFactory {
  return () => redactorFor(core, 'llm', { vaultKey: session.keyring.vault, run, record: false });
}

/** The answer came from a model fed with task output: shown neutralised, like task text (runner/text.ts). */
function view(core: ReadCore, s: SummaryRecord) {
  return {
    ...s,
    answer: s.answer === null ? null : displayText(unmapPseudonyms(core, s.answer)),
    answerAsReceived: s.answer === null ? null : displayText(s.answer),
    error: s.error === null ? null : displayText(s.error),
  };
}

export const summaryHandlers: {
  'runs.summarise': Handler<'runs.summarise'>;
  'runs.summarisePreview': Handler<'runs.summarisePreview'>;
  'runs.summaries': Handler<'runs.summaries'>;
} = {
  'runs.summarise': {
    run: async (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      const config = llmConfig(readSettings(core.db, LLM_SETTINGS));
      const run = mustFindRun(core, input.id);
      const sent = await summariseRun(core, {
        run,
        config,
        userName: session.name,
        actor: ctx.actor,
        vaultKey: session.keyring.vault,
        makeRedactor: llmRedactor(core, session, run),
        onRecorded: () => ctx.markRecorded(),
      });
      ctx.change(sent.commit, sent.event);
      return view(core, new RunSummaries(core.db).get(sent.id)!);
    },
    target: (input) => `run:${input.id}`,
    details: (input) => ({ run: input.id }),
  },

  'runs.summarisePreview': {
    run: (ctx, input) => {
      const session = needSession(ctx);
      const core = ctx.core;
      const config = llmConfig(readSettings(core.db, LLM_SETTINGS));
      const run = mustFindRun(core, input.id);
      const redacted = redactedPrompt(core, run, previewRedactor(core, session, run), false);
      return {
        endpoint: config.url.toString(),
        model: config.model,
        system: SYSTEM_PROMPT,
        prompt: redacted.prompt,
        marks: redacted.marks,
        replacementCounts: redacted.counts,
        ruleSet: redacted.ruleSet,
        ruleVersion: redacted.ruleVersion,
      };
    },
  },

  'runs.summaries': {
    run: (ctx, input) => {
      const core = ctx.core;
      mustFindRun(core, input.id);
      return { summaries: new RunSummaries(core.db).forRun(input.id, input.limit ?? 50).map((s) => view(core, s)) };
    },
  },
};
