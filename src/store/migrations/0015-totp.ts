import type { Migration } from './types';

/**
 * Offline TOTP (issue 14, docs/identity.md "Offline TOTP"). Provisional number: the lead renumbers
 * the file and the version at merge (versions must stay contiguous on this branch, hence 12 here).
 * - totp_enrolments: one per user; each secret is AES-256-GCM under a key derived from the data key
 *   and bound to the user id (never plaintext, even inside the encrypted file); `last_step` is the
 *   last accepted 30-second step, so a code is accepted once. `pending_secret` is an enrolment begun
 *   but not yet proved with a code: the confirmed `secret` (if any) stays in force until then.
 * - totp_recovery_codes: ten per enrolment, SHA-256 of the code bound to the user; used once.
 * - totp_role_requirements: roles whose users must give a code. Authorization state: sealed with
 *   the admin key (src/identity/totp-requirements.ts).
 */
export const migration: Migration = {
  version: 15,
  name: 'totp',
  up(db) {
    db.exec(`
      CREATE TABLE totp_enrolments (
        user_id       INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        secret          TEXT,
        confirmed_at    TEXT,
        last_step       INTEGER NOT NULL DEFAULT 0,
        pending_secret  TEXT,
        pending_since   TEXT
      ) STRICT;
      CREATE TABLE totp_recovery_codes (
        user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash  TEXT NOT NULL,
        used_at    TEXT,
        PRIMARY KEY (user_id, code_hash)
      ) STRICT;
      CREATE TABLE totp_role_requirements (
        role         TEXT PRIMARY KEY,
        required_at  TEXT NOT NULL,
        required_by  TEXT NOT NULL
      ) STRICT;
    `);
  },
};
