import type { Migration } from './types';

/**
 * Per-run SSH certificates from a site CA, and keys on PKCS#11 tokens (issue 18).
 * - ssh_cas: the site's CA keys; one is active (new certificates), retired ones stay listed for the
 *   KRL. A vault CA's ed25519 seed is sealed under the vault key; a token CA names its module, token
 *   and key label (the key never leaves the token). Sealed with the admin key (which key signs, and
 *   which library is loaded, is authorization state) except the sealed seed itself.
 * - ssh_grants: which principals a bundle (or a tag) may receive, with the admin's force-command and
 *   source-address; sealed with the admin key.
 * - ssh_certificates: every certificate issued (serial, principals, validity), for the run record,
 *   the issued list and the KRL. Serials are random 63-bit numbers kept as text, so two workstations
 *   sharing an imported CA key do not collide.
 * - token_pin_failures: wrong PINs per token, so our throttle holds across CLI processes (softhsm2
 *   and many tokens do not slow down on their own).
 * - audit_identity.token_json: an audit signing identity whose key lives on a token.
 */
export const migration: Migration = {
  version: 14,
  name: 'ssh-ca',
  up(db) {
    db.exec(`
      CREATE TABLE ssh_cas (
        name          TEXT PRIMARY KEY,
        key_type      TEXT NOT NULL CHECK (key_type IN ('ssh-ed25519', 'ecdsa-sha2-nistp256')),
        public_key    TEXT NOT NULL,
        storage       TEXT NOT NULL CHECK (storage IN ('vault', 'pkcs11')),
        sealed        TEXT,
        token_json    TEXT,
        state         TEXT NOT NULL CHECK (state IN ('active', 'retired')),
        created_at    TEXT NOT NULL,
        created_by    TEXT NOT NULL
      ) STRICT;

      CREATE TABLE ssh_grants (
        subject_kind   TEXT NOT NULL CHECK (subject_kind IN ('bundle', 'tag')),
        subject        TEXT NOT NULL,
        principals     TEXT NOT NULL,
        force_command  TEXT,
        source_address TEXT,
        granted_at     TEXT NOT NULL,
        granted_by     TEXT NOT NULL,
        PRIMARY KEY (subject_kind, subject)
      ) STRICT;

      CREATE TABLE ssh_certificates (
        serial         TEXT PRIMARY KEY,
        ca             TEXT NOT NULL,
        run_id         TEXT NOT NULL,
        credential     TEXT NOT NULL,
        key_id         TEXT NOT NULL,
        principals     TEXT NOT NULL,
        valid_after    TEXT NOT NULL,
        valid_before   TEXT NOT NULL,
        key_sha256     TEXT NOT NULL,
        critical       TEXT NOT NULL,
        issued_at      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX ssh_certificates_run ON ssh_certificates(run_id);

      CREATE TABLE token_pin_failures (
        token      TEXT PRIMARY KEY,
        failures   INTEGER NOT NULL,
        last_at    TEXT NOT NULL
      ) STRICT;

      ALTER TABLE audit_identity ADD COLUMN token_json TEXT;
    `);
  },
};
