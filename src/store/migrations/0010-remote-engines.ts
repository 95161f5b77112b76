import type { Migration } from './types';

/**
 * Remote engines (issue 17, docs/remote-engines.md): enrolled nodes with their pinned identity, the
 * client credentials sealed under the vault key, labels and the engine facts read at enrolment; the
 * images sent to each node; and the node each run ran on (NULL: this workstation).
 */
export const migration: Migration = {
  version: 10,
  name: 'remote-engines',
  up(db) {
    db.exec(`
      CREATE TABLE engine_nodes (
        name              TEXT PRIMARY KEY,
        transport         TEXT NOT NULL CHECK (transport IN ('ssh-docker', 'ssh-podman', 'tls')),
        address           TEXT NOT NULL,
        pin               TEXT NOT NULL,
        pin_fingerprint   TEXT NOT NULL,
        credential_sealed TEXT NOT NULL,
        labels            TEXT NOT NULL DEFAULT '{}',
        max_concurrency   INTEGER NOT NULL DEFAULT 2 CHECK (max_concurrency BETWEEN 1 AND 64),
        facts             TEXT NOT NULL,
        state             TEXT NOT NULL CHECK (state IN ('enabled', 'refused')),
        refused_reason    TEXT,
        enrolled_by       TEXT NOT NULL,
        enrolled_at       TEXT NOT NULL,
        pinned_by         TEXT NOT NULL,
        pinned_at         TEXT NOT NULL,
        last_seen_at      TEXT
      );
      CREATE TABLE engine_node_images (
        node      TEXT NOT NULL REFERENCES engine_nodes(name) ON DELETE CASCADE,
        image_id  TEXT NOT NULL,
        loaded_at TEXT NOT NULL,
        PRIMARY KEY (node, image_id)
      );
      ALTER TABLE runs ADD COLUMN node TEXT;
    `);
  },
};
