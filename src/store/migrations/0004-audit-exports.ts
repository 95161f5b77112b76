import type { Migration } from './types';

/**
 * The workstation's audit signing identity (private key sealed under the audit key), the exports
 * made of the chain, and the anchor that keeps the chain checkable after pruning.
 */
export const migration: Migration = {
  version: 4,
  name: 'audit-exports',
  up(db) {
    db.exec(`
      CREATE TABLE audit_identity (
        id           INTEGER PRIMARY KEY,
        cert_pem     TEXT NOT NULL,
        chain_pem    TEXT NOT NULL DEFAULT '[]',
        key_sealed   TEXT NOT NULL,
        fingerprint  TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        active       INTEGER NOT NULL DEFAULT 1
      ) STRICT;

      CREATE TABLE audit_exports (
        id               TEXT PRIMARY KEY,
        previous_id      TEXT,
        first_seq        INTEGER NOT NULL,
        last_seq         INTEGER NOT NULL,
        first_prev_hash  TEXT NOT NULL,
        last_hash        TEXT NOT NULL,
        manifest_sha256  TEXT NOT NULL,
        signer           TEXT NOT NULL,
        redaction        TEXT,
        bytes            INTEGER NOT NULL,
        created_at       TEXT NOT NULL,
        created_by       TEXT NOT NULL,
        confirmed_at     TEXT,
        confirmed_by     TEXT
      ) STRICT;
      CREATE INDEX audit_exports_last_seq ON audit_exports(last_seq);
    `);
  },
};
