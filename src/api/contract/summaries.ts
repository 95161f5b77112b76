/**
 * Operations: AI summaries of a run through the site's LLM endpoint (docs/llm.md). What leaves is
 * the run's issues, report and log tail after redaction; the answer comes back with pseudonyms,
 * mapped back to the originals only here, on this workstation, when it is read.
 */
import { z } from 'zod';
import { op } from './define';
import { runId } from './runs';

const counts = z.record(z.string(), z.number().int());

export const runSummaryRecord = z.object({
  id: z.string(),
  runId: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  /** The chat completions URL it was sent to. */
  endpoint: z.string(),
  model: z.string(),
  ruleSet: z.string(),
  ruleVersion: z.string(),
  /** The redacted text exactly as it was sent. */
  prompt: z.string(),
  /** The answer with pseudonyms mapped back to the originals (shown as text, never HTML). */
  answer: z.string().nullable(),
  /** The answer exactly as the endpoint sent it (pseudonyms kept). */
  answerAsReceived: z.string().nullable(),
  replacementCounts: counts,
  /** 'sending' that never ended means the process stopped mid-call: the prompt may have left. */
  status: z.enum(['sending', 'ok', 'error']),
  error: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const summariesOps = {
  'runs.summarise': op({
    summary:
      "Send a run's redacted issues, report and log tail to the site's LLM endpoint; returns the answer with pseudonyms mapped back.",
    access: 'runs.summarise',
    mutates: true,
    input: z.object({ id: runId }).strict(),
    output: runSummaryRecord,
  }),
  'runs.summarisePreview': op({
    summary: 'Exactly what "runs.summarise" would send for a run, redacted, with each replacement marked; sends and records nothing.',
    access: 'runs.summarise',
    mutates: false,
    input: z.object({ id: runId }).strict(),
    output: z.object({
      endpoint: z.string(),
      model: z.string(),
      system: z.string(),
      prompt: z.string(),
      marks: z.array(z.object({ rule: z.string(), action: z.string(), start: z.number().int(), end: z.number().int() })),
      replacementCounts: counts,
      ruleSet: z.string(),
      ruleVersion: z.string(),
    }),
  }),
  'runs.summaries': op({
    summary: "A run's AI summaries, newest first, each with the prompt exactly as it was sent.",
    access: 'signedIn',
    mutates: false,
    input: z.object({ id: runId, limit: z.number().int().min(1).max(200).optional() }).strict(),
    output: z.object({ summaries: z.array(runSummaryRecord) }),
  }),
} as const;
