import type { Migration } from './types';

/**
 * The bundle catalog (issue 4, docs/import.md): trust roots, the tag policy, imported bundles and
 * their tasks, revoked digests. Task status is not stored: it is decided at read time from the
 * policy, revocations and trust roots as they are now, so a change takes effect at once.
 */
export const migration: Migration = {
  version: 2,
  name: 'bundles',
  up(db) {
    db.exec(`
      CREATE TABLE trust_keys (
        fingerprint  TEXT PRIMARY KEY,
        algorithm    TEXT NOT NULL,
        pem          TEXT NOT NULL,
        comment      TEXT NOT NULL DEFAULT '',
        added_by     TEXT NOT NULL,
        added_at     TEXT NOT NULL,
        removed_by   TEXT,
        removed_at   TEXT
      ) STRICT;

      CREATE TABLE tag_policy (
        kind      TEXT NOT NULL CHECK (kind IN ('allow', 'deny')),
        pattern   TEXT NOT NULL,
        added_by  TEXT NOT NULL,
        added_at  TEXT NOT NULL,
        PRIMARY KEY (kind, pattern)
      ) STRICT;
      -- The default policy (docs/codebundle-format.md): read-write tasks are denied until an admin allows them.
      INSERT INTO tag_policy (kind, pattern, added_by, added_at) VALUES ('deny', 'access:read-write', 'system', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

      CREATE TABLE bundles (
        id                  INTEGER PRIMARY KEY,
        name                TEXT NOT NULL,
        version             TEXT NOT NULL,
        digest              TEXT NOT NULL UNIQUE,
        index_digest        TEXT,
        image_id            TEXT NOT NULL,
        engine_tag          TEXT NOT NULL,
        description         TEXT NOT NULL,
        maintainer          TEXT NOT NULL,
        codebundle          TEXT NOT NULL,
        size                INTEGER NOT NULL,
        source_kind         TEXT NOT NULL,
        source_location     TEXT NOT NULL,
        source_ref          TEXT NOT NULL,
        source_insecure     INTEGER NOT NULL DEFAULT 0,
        signature_format    TEXT NOT NULL,
        signer_fingerprint  TEXT,
        signed_digest       TEXT,
        imported_at         TEXT NOT NULL,
        imported_by         TEXT NOT NULL,
        image_removed_at    TEXT,
        UNIQUE (name, version)
      ) STRICT;
      CREATE INDEX bundles_image_id ON bundles(image_id);

      CREATE TABLE bundle_tasks (
        bundle_id    INTEGER NOT NULL REFERENCES bundles(id) ON DELETE CASCADE,
        task_id      TEXT NOT NULL,
        title        TEXT NOT NULL,
        description  TEXT NOT NULL DEFAULT '',
        tags         TEXT NOT NULL,
        access       TEXT NOT NULL CHECK (access IN ('read-only', 'read-write')),
        position     INTEGER NOT NULL,
        PRIMARY KEY (bundle_id, task_id)
      ) STRICT;

      CREATE TABLE revocations (
        digest      TEXT PRIMARY KEY,
        reason      TEXT NOT NULL,
        revoked_by  TEXT NOT NULL,
        revoked_at  TEXT NOT NULL
      ) STRICT;
    `);
  },
};
