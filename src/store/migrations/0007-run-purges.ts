import type { Migration } from './types';

/**
 * What a purge took from a run (issue 8, docs/retention.md): the run's row stays as its record
 * (who, what, when, outcome), and says when and by whom its log and its issues/report were removed,
 * so every screen can say "purged" instead of showing an empty log as if the task printed nothing.
 */
export const migration: Migration = {
  version: 7,
  name: 'run-purges',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN logs_purged_at TEXT;
      ALTER TABLE runs ADD COLUMN logs_purged_by TEXT;
      ALTER TABLE runs ADD COLUMN report_purged_at TEXT;
      ALTER TABLE runs ADD COLUMN report_purged_by TEXT;
      CREATE INDEX runs_ended ON runs(ended_at);
    `);
  },
};
