import { randomBytes } from 'node:crypto';
import type { Migration } from './types';

/**
 * Redaction (docs/redaction.md): the keyed-HMAC pseudonym key (32 random bytes, created once, kept
 * only in this encrypted store), the reverse map from pseudonym to original (so an operator can map
 * an answer back locally), and the patterns a site adds to the built-in detectors.
 */
export const migration: Migration = {
  version: 5,
  name: 'redaction',
  up(db) {
    db.exec(`
      CREATE TABLE pseudonyms (
        token       TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        original    TEXT NOT NULL,
        first_seen  TEXT NOT NULL,
        UNIQUE (kind, original)
      ) STRICT;

      CREATE TABLE redaction_patterns (
        name        TEXT PRIMARY KEY,
        regex       TEXT NOT NULL,
        action      TEXT NOT NULL CHECK (action IN ('drop', 'mask', 'pseudonymise')),
        created_by  TEXT NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;
    `);
    db.prepare("INSERT INTO meta(key, value) VALUES ('redact_pseudonym_key', ?)").run(randomBytes(32).toString('base64'));
  },
};
