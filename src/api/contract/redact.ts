/**
 * Operations: redaction (docs/redaction.md). The preview shows exactly what an egress path would
 * let leave, each replacement marked; site patterns add to the built-in detectors.
 */
import { z } from 'zod';
import { op } from './define';
import { empty } from './schemas';
import { runId } from './runs';
import { EGRESS_PATHS, REDACT_ACTIONS, RULE_SET_IDS } from '../../redact/model';

import { MAX_PREVIEW_TEXT } from './constants';
export { MAX_PREVIEW_TEXT };

const patternName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a pattern name is 1-32 lower-case letters, digits and "-"');

export const replacement = z.object({
  rule: z.string(),
  action: z.enum(REDACT_ACTIONS),
  /** Offsets into the section's text before redaction. */
  start: z.number().int(),
  end: z.number().int(),
  /** Where the replacement stands in the section's redacted text. */
  at: z.number().int(),
  /** The matched text, shown locally only; empty for vault values (never readable back). */
  original: z.string(),
  replacement: z.string(),
});

/** One text as it would leave, each replacement marked. */
export const previewSection = z.object({ label: z.string(), text: z.string(), replacements: z.array(replacement) });

const pattern = z.object({
  name: z.string(),
  regex: z.string(),
  action: z.enum(REDACT_ACTIONS),
  createdBy: z.string(),
  createdAt: z.string(),
});

export const redactOps = {
  'redact.preview': op({
    summary: 'What an egress path would let leave, redacted, with each replacement marked. Writes nothing (no pseudonym is recorded).',
    access: 'redact.preview',
    mutates: false,
    input: z
      .object({
        runId: runId.optional(),
        text: z.string().max(MAX_PREVIEW_TEXT).optional(),
        path: z.enum(EGRESS_PATHS).default('runsExport'),
        ruleSet: z.enum(RULE_SET_IDS).optional(),
      })
      .strict()
      .refine((v) => (v.runId === undefined) !== (v.text === undefined), 'give either runId or text'),
    output: z.object({
      path: z.enum(EGRESS_PATHS),
      ruleSet: z.string(),
      version: z.string(),
      sections: z.array(previewSection),
      counts: z.record(z.string(), z.number().int()),
      vaultValuesMasked: z.boolean(),
    }),
  }),
  'redact.unmap': op({
    summary:
      'Map pseudonyms in a text (a vendor reply, an answer) back to the originals, from the reverse map in this store. Nothing leaves.',
    access: 'redact.unmap',
    mutates: false,
    input: z.object({ text: z.string().max(MAX_PREVIEW_TEXT) }).strict(),
    output: z.object({ text: z.string(), mapped: z.number().int(), unknown: z.array(z.string()) }),
  }),
  'redact.patterns.list': op({
    summary: "The site's redaction patterns, the site domains and the rule sets each egress path uses.",
    access: 'redact.preview',
    mutates: false,
    input: empty,
    output: z.object({
      patterns: z.array(pattern),
      siteDomains: z.array(z.string()),
      ruleSets: z.record(z.enum(EGRESS_PATHS), z.string()),
    }),
  }),
  'redact.patterns.add': op({
    summary: 'Add a site pattern (a regular expression, checked for slow backtracking) with its action.',
    access: 'redact.manage',
    mutates: true,
    input: z.object({ name: patternName, regex: z.string().min(1).max(256), action: z.enum(REDACT_ACTIONS).default('mask') }).strict(),
    output: pattern,
  }),
  'redact.patterns.remove': op({
    summary: 'Remove a site pattern.',
    access: 'redact.manage',
    mutates: true,
    input: z.object({ name: patternName }).strict(),
    output: z.object({ name: z.string() }),
  }),
} as const;
