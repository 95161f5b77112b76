import type { Migration } from './types';

/**
 * AI summaries of runs through the site's LLM endpoint (issue 8, docs/llm.md). Each row is one call:
 * the redacted prompt exactly as it was sent, the answer exactly as received (pseudonyms kept; they
 * are mapped back only when shown), the rule set that redacted it and its replacement counts.
 * A row is written as 'sending' before the request leaves, so even a crash mid-call leaves a record
 * of what left; it ends 'ok' or 'error'.
 */
export const migration: Migration = {
  version: 6,
  name: 'summaries',
  up(db) {
    db.exec(`
      CREATE TABLE run_summaries (
        id                  TEXT PRIMARY KEY,
        run_id              TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        created_at          TEXT NOT NULL,
        created_by          TEXT NOT NULL,
        endpoint            TEXT NOT NULL,
        model               TEXT NOT NULL,
        rule_set            TEXT NOT NULL,
        rule_version        TEXT NOT NULL,
        prompt              TEXT NOT NULL,
        answer              TEXT,
        replacement_counts  TEXT NOT NULL DEFAULT '{}',
        status              TEXT NOT NULL CHECK (status IN ('sending', 'ok', 'error')),
        error               TEXT,
        finished_at         TEXT
      ) STRICT;
      CREATE INDEX run_summaries_run ON run_summaries(run_id, created_at);
    `);
  },
};
