import type { Migration } from './types';

/**
 * The runner lease's epoch (ARCHITECTURE.md, "Process model"; docs/runner.md): one row, incremented
 * in its own transaction by every process that takes the lease. Every run write checks, inside its
 * transaction, that the epoch is still the one its runner took; a holder frozen past the lease timeout
 * and resumed after another took over therefore writes nothing (no second `runs.end`, no log line).
 */
export const migration: Migration = {
  version: 9,
  name: 'lease-epoch',
  up(db) {
    db.exec(`
      CREATE TABLE runner_lease (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        epoch        INTEGER NOT NULL,
        instance_id  TEXT,
        taken_at     TEXT
      ) STRICT;
      INSERT INTO runner_lease(id, epoch) VALUES (1, 0);
    `);
  },
};
