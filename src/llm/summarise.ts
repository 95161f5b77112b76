/**
 * "Summarise this run" (issue 8, docs/llm.md): build the prompt from the run's issues, report and
 * log tail, redact it with the rule set the settings assign to LLM prompts, record it as 'sending',
 * send it to the site's endpoint, and record the answer (or the failure) with one audit event.
 * The stored answer keeps the pseudonyms; they are mapped back only when a summary is shown.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApiError, type CoreContext, type ReadContext } from '../kernel';
import { RunRecords, type RunRecord } from '../runner';
import type { Redactor } from '../redact';
import { chatCompletion, DEFAULT_MAX_RESPONSE_BYTES } from './client';
import { buildPrompt, PROMPT_LIMITS, PROMPT_VERSION, SYSTEM_PROMPT } from './prompt';
import { openApiKey } from './secrets';
import type { LlmConfig } from './settings';
import { RunSummaries } from './summaries-store';

/**
 * Builds the LLM path's redactor for one run: the handler passes
 * `(record) => redactorFor(ctx, 'llm', { vaultKey, run, record })`, which masks every vault value
 * and the run's sensitive configuration values. `record: false` (the preview) writes no pseudonym.
 */
export type RedactorFactory = (record: boolean) => Redactor;

const ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
export const SUMMARY_ID_RE = /^s-[a-z0-9]{10}$/;
/** Summaries are factual: a low temperature keeps the model close to the text. */
export const TEMPERATURE = 0.2;

export function newSummaryId(): string {
  let out = '';
  for (const b of randomBytes(10)) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return `s-${out}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A replacement's place in the redacted text (for the preview's marks). */
export interface PromptMark {
  rule: string;
  action: string;
  start: number;
  end: number;
}

export interface RedactedPrompt {
  prompt: string;
  counts: Record<string, number>;
  marks: PromptMark[];
  ruleSet: string;
  ruleVersion: string;
}

/** The run's prompt, redacted by a redactor made for it. */
export function redactedPrompt(ctx: ReadContext, run: RunRecord, makeRedactor: RedactorFactory, record: boolean): RedactedPrompt {
  const runs = new RunRecords(ctx.db);
  const text = buildPrompt(run, { lines: runs.logTail(run.id, PROMPT_LIMITS.logLines), total: runs.logLineCount(run.id) });
  const redactor = makeRedactor(record);
  const result = redactor.redact(text);
  // Replacement offsets are into the input; shift them by what earlier replacements changed.
  let shift = 0;
  const marks: PromptMark[] = [];
  for (const r of [...result.replacements].sort((a, b) => a.start - b.start)) {
    const start = r.start + shift;
    marks.push({ rule: r.rule, action: r.action, start, end: start + r.replacement.length });
    shift += r.replacement.length - (r.end - r.start);
  }
  return { prompt: result.text, counts: redactor.counts(), marks, ruleSet: redactor.ruleSet, ruleVersion: redactor.version };
}

export interface SummariseRequest {
  run: RunRecord;
  config: LlmConfig;
  userName: string;
  actor: string;
  vaultKey: Buffer | undefined;
  makeRedactor: RedactorFactory;
  /** Called when this module wrote the call's audit event itself (a failed call). */
  onRecorded: () => void;
}

/**
 * Sends one summary request. The outcome is recorded either way: on success the returned
 * `record` is the change and event the caller commits (so the dispatcher's one event holds the
 * details); on failure the row becomes 'error' with its own 'failure' event here, and the error
 * is rethrown for the caller.
 */
export async function summariseRun(
  ctx: CoreContext,
  req: SummariseRequest,
): Promise<{ id: string; commit: () => void; event: { target: string; details: Record<string, unknown> } }> {
  const { run, config } = req;
  const db = ctx.db;
  const apiKey = openApiKey(db, req.vaultKey, config.apiKeyVaultItem);
  try {
    const redacted = redactedPrompt(ctx, run, req.makeRedactor, true);
    const summaries = new RunSummaries(db);
    const id = newSummaryId();
    const endpoint = config.url.toString();
    summaries.insertSending({
      id,
      runId: run.id,
      createdAt: ctx.clock.now().toISOString(),
      createdBy: req.userName,
      endpoint,
      model: config.model,
      ruleSet: redacted.ruleSet,
      ruleVersion: redacted.ruleVersion,
      prompt: redacted.prompt,
      replacementCounts: redacted.counts,
    });
    const details = {
      run: run.id,
      summary: id,
      endpointHost: config.url.host,
      model: config.model,
      ruleSet: redacted.ruleSet,
      ruleVersion: redacted.ruleVersion,
      promptVersion: PROMPT_VERSION,
      replacements: redacted.counts,
      promptSha256: sha256(redacted.prompt),
    };
    const target = `run:${run.id}`;
    let answer: string;
    try {
      const reply = await chatCompletion(
        { url: config.url, caPem: config.caPem, apiKey, timeoutMs: config.timeoutMs, maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES },
        {
          model: config.model,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: redacted.prompt },
          ],
          temperature: TEMPERATURE,
          maxTokens: config.maxTokens,
        },
      );
      answer = reply.content;
    } catch (error) {
      const shaped =
        error instanceof ApiError
          ? error
          : new ApiError(
              'INTERNAL',
              'The request to the LLM endpoint failed unexpectedly. Check the application log on this workstation.',
              { cause: error },
            );
      ctx.transact(() => summaries.finish(id, { status: 'error', error: shaped.message }, ctx.clock.now().toISOString()), {
        actor: req.actor,
        action: 'runs.summarise',
        target,
        outcome: 'failure',
        details: { ...details, status: 'error', error: shaped.code },
      });
      req.onRecorded();
      throw shaped;
    }
    const commit = () => summaries.finish(id, { status: 'ok', answer }, ctx.clock.now().toISOString());
    const event = { target, details: { ...details, status: 'ok', answerSha256: sha256(answer) } };
    return { id, commit, event };
  } finally {
    apiKey?.fill(0);
  }
}
