import type { Migration } from './types';

/**
 * Purposes an admin bound a vault item to (issue 13): the LLM endpoint's API key may come only from
 * an item bound to the `llm` purpose, so a setting cannot point the Authorization header at any
 * secret. Sealed with the admin key like the rest of the authorization state; no foreign key, so an
 * operator removing the item does not change sealed rows (the item must exist at use).
 */
export const migration: Migration = {
  version: 11,
  name: 'vault-purposes',
  up(db) {
    db.exec(`
      CREATE TABLE vault_purposes (
        item      TEXT NOT NULL,
        purpose   TEXT NOT NULL,
        bound_at  TEXT NOT NULL,
        bound_by  TEXT NOT NULL,
        PRIMARY KEY (item, purpose)
      ) STRICT;
    `);
  },
};
