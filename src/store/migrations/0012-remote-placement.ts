import type { Migration } from './types';

/**
 * Remote engines, second part (issue 17, docs/remote-engines.md and docs/scale.md): a node that
 * stopped answering is marked unreachable (since when, and why; cleared when it answers again; not
 * sealed: the app writes it at run time and it only keeps automatic placement away); and each run
 * records how its node was chosen (the placement asked for, as JSON) and, for a retry on another
 * node, the run it retries.
 */
export const migration: Migration = {
  version: 12,
  name: 'remote-placement',
  up(db) {
    db.exec(`
      ALTER TABLE engine_nodes ADD COLUMN unreachable_since TEXT;
      ALTER TABLE engine_nodes ADD COLUMN unreachable_reason TEXT;
      ALTER TABLE runs ADD COLUMN placement TEXT;
      ALTER TABLE runs ADD COLUMN retry_of TEXT;
    `);
  },
};
