import type { Migration } from './types';

/**
 * Schedules and SLIs (issue 16 items 3 and 4; docs/schedules.md, docs/health.md).
 * - schedules: a task with its values, when it runs (cron in an explicit IANA time zone, or an
 *   interval), blackout windows, jitter, the missed-runs policy, pause, and the two-person approval
 *   of a read-write task's schedule. Authorization state (it starts runs on its owner's behalf):
 *   sealed with a key derived from the vault key (runner/schedules.ts).
 * - schedule_state: where each schedule is in time (the last occurrence handled, the run it started).
 *   Operational, not sealed: it can only make a sealed schedule fire or skip.
 * - schedule_events: each occurrence handled, with what happened (started, skipped and why).
 * - runs.schedule_id: the schedule that started a run (null: a person did).
 * - run_metrics: the values a task wrote to metrics.jsonl, per run.
 * - slos: an objective per metric of a task, with its window.
 */
export const migration: Migration = {
  version: 13,
  name: 'schedules',
  up(db) {
    db.exec(`
      CREATE TABLE schedules (
        id               TEXT PRIMARY KEY,
        name             TEXT NOT NULL,
        bundle           TEXT NOT NULL,
        task             TEXT NOT NULL,
        access           TEXT NOT NULL,
        config           TEXT NOT NULL,
        reason           TEXT,
        timing           TEXT NOT NULL,
        blackouts        TEXT NOT NULL,
        jitter_seconds   INTEGER NOT NULL,
        missed           TEXT NOT NULL CHECK (missed IN ('once', 'skip')),
        paused           INTEGER NOT NULL DEFAULT 0,
        owner            TEXT NOT NULL,
        revision         INTEGER NOT NULL,
        approval_required INTEGER NOT NULL,
        approved_by      TEXT,
        approved_at      TEXT,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        updated_by       TEXT NOT NULL
      ) STRICT;
      CREATE TABLE schedule_state (
        schedule_id      TEXT PRIMARY KEY,
        cursor           TEXT NOT NULL,
        last_run_id      TEXT,
        last_fired_at    TEXT
      ) STRICT;
      CREATE TABLE schedule_events (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        schedule_id      TEXT NOT NULL,
        occurrence       TEXT NOT NULL,
        handled_at       TEXT NOT NULL,
        result           TEXT NOT NULL CHECK (result IN ('started', 'skipped', 'failed')),
        reason           TEXT,
        run_id           TEXT,
        UNIQUE (schedule_id, occurrence)
      ) STRICT;
      CREATE INDEX schedule_events_by_schedule ON schedule_events(schedule_id, seq);
      ALTER TABLE runs ADD COLUMN schedule_id TEXT;
      CREATE INDEX runs_by_schedule ON runs(schedule_id, created_at);
      CREATE TABLE run_metrics (
        run_id           TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq              INTEGER NOT NULL,
        bundle           TEXT NOT NULL,
        task             TEXT NOT NULL,
        name             TEXT NOT NULL,
        value            REAL NOT NULL,
        unit             TEXT,
        labels           TEXT NOT NULL,
        at               TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) STRICT;
      CREATE INDEX run_metrics_by_task ON run_metrics(bundle, task, name, at);
      CREATE TABLE slos (
        bundle           TEXT NOT NULL,
        task             TEXT NOT NULL,
        metric           TEXT NOT NULL,
        comparison       TEXT NOT NULL CHECK (comparison IN ('>=', '<=')),
        threshold        REAL NOT NULL,
        target           REAL NOT NULL,
        window_days      INTEGER NOT NULL,
        updated_at       TEXT NOT NULL,
        updated_by       TEXT NOT NULL,
        PRIMARY KEY (bundle, task, metric)
      ) STRICT;
    `);
  },
};
