import type { Migration } from './types';

/**
 * Enterprise sign-in (issue 14, docs/identity.md): the identity settings (auth.mode, the imported
 * IdP metadata with its pinned signing certificates, the directory) and the group-to-role mappings
 * are authorization state, sealed with the admin key. The request and replay caches make each
 * AuthnRequest answerable once and each assertion usable once, across processes. Role changes the
 * IdP or directory asserted wait here for an admin (a new role's keys, a lost role's key rotation).
 */
export const migration: Migration = {
  version: 16,
  name: 'enterprise-identity',
  up(db) {
    db.exec(`
      CREATE TABLE identity_config (
        key         TEXT PRIMARY KEY,
        value       TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        updated_by  TEXT NOT NULL
      ) STRICT;
      CREATE TABLE group_role_mappings (
        source      TEXT NOT NULL CHECK (source IN ('saml', 'ldap')),
        group_value TEXT NOT NULL,
        role        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        PRIMARY KEY (source, group_value, role)
      ) STRICT;
      CREATE TABLE saml_requests (
        request_id    TEXT PRIMARY KEY,
        created_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE saml_replay (
        assertion_id  TEXT PRIMARY KEY,
        issuer        TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE identity_role_changes (
        user_id     INTEGER NOT NULL,
        role        TEXT NOT NULL,
        change      TEXT NOT NULL CHECK (change IN ('pending', 'lost')),
        source      TEXT NOT NULL,
        since       TEXT NOT NULL,
        PRIMARY KEY (user_id, role)
      ) STRICT;
    `);
  },
};
