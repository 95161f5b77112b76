import type { Migration } from './types';

/** Store meta, users (named only inside the encrypted file), settings, the audit chain. */
export const migration: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE users (
        id                    INTEGER PRIMARY KEY,
        name                  TEXT NOT NULL UNIQUE COLLATE NOCASE,
        slot_id               TEXT NOT NULL UNIQUE,
        roles                 TEXT NOT NULL,
        must_change_password  INTEGER NOT NULL DEFAULT 0,
        created_at            TEXT NOT NULL,
        updated_at            TEXT NOT NULL
      ) STRICT;

      CREATE TABLE settings (
        key         TEXT PRIMARY KEY,
        value       TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        updated_by  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE audit_events (
        seq           INTEGER PRIMARY KEY,
        time          TEXT NOT NULL,
        mono          INTEGER NOT NULL,
        actor         TEXT NOT NULL,
        action        TEXT NOT NULL,
        target        TEXT,
        outcome       TEXT NOT NULL,
        details       TEXT NOT NULL,
        details_hash  TEXT NOT NULL,
        prev_hash     TEXT NOT NULL,
        hash          TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_events_action ON audit_events(action);
      CREATE INDEX audit_events_actor ON audit_events(actor);
      CREATE INDEX audit_events_time ON audit_events(time);
    `);
  },
};
