import type { Migration } from './types';

/**
 * Runs and their logs, the vault, and admin-defined networks (issue 5, docs/runner.md).
 * Secret values live only in vault_items.sealed (AES-256-GCM under the vault key); runs keep the
 * names of the secrets they used, never values.
 */
export const migration: Migration = {
  version: 3,
  name: 'runs',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id                   TEXT PRIMARY KEY,
        bundle_name          TEXT NOT NULL,
        bundle_version       TEXT NOT NULL,
        bundle_digest        TEXT NOT NULL,
        image_id             TEXT NOT NULL,
        task_id              TEXT NOT NULL,
        task_title           TEXT NOT NULL,
        access               TEXT NOT NULL,
        started_by           TEXT NOT NULL,
        reason               TEXT,
        config               TEXT NOT NULL,
        state                TEXT NOT NULL,
        outcome              TEXT,
        approval_required    INTEGER NOT NULL DEFAULT 0,
        approved_by          TEXT,
        approved_at          TEXT,
        cancel_requested_by  TEXT,
        cancel_requested_at  TEXT,
        instance_id          TEXT,
        created_at           TEXT NOT NULL,
        started_at           TEXT,
        ended_at             TEXT,
        timeout_seconds      INTEGER NOT NULL,
        deadline             TEXT,
        exit_code            INTEGER,
        error                TEXT,
        sandbox              TEXT,
        issues               TEXT NOT NULL DEFAULT '[]',
        report               TEXT NOT NULL DEFAULT '[]',
        warnings             TEXT NOT NULL DEFAULT '[]',
        log_total_bytes      INTEGER NOT NULL DEFAULT 0,
        log_kept_bytes       INTEGER NOT NULL DEFAULT 0,
        log_truncated        INTEGER NOT NULL DEFAULT 0,
        container_id         TEXT
      ) STRICT;
      CREATE INDEX runs_state ON runs(state);
      CREATE INDEX runs_created ON runs(created_at);

      CREATE TABLE run_logs (
        run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq        INTEGER NOT NULL,
        time       TEXT NOT NULL,
        stream     TEXT NOT NULL,
        text       TEXT NOT NULL,
        continues  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE vault_items (
        name        TEXT PRIMARY KEY,
        sealed      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        created_at  TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        updated_by  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE vault_bindings (
        item      TEXT NOT NULL REFERENCES vault_items(name) ON DELETE CASCADE,
        bundle    TEXT NOT NULL,
        bound_at  TEXT NOT NULL,
        bound_by  TEXT NOT NULL,
        PRIMARY KEY (item, bundle)
      ) STRICT;

      CREATE TABLE networks (
        name        TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        engine_id   TEXT,
        created_at  TEXT NOT NULL,
        created_by  TEXT NOT NULL
      ) STRICT;
    `);
  },
};
