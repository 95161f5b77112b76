import type { Migration } from './types';

/**
 * Admin seals over authorization state (issue 13, src/store/seals.ts): one signed manifest per
 * table. A store upgraded to this version has no seals yet; the first admin sign-in makes the admin
 * key and seals today's state, and until then privileged operations are refused.
 */
export const migration: Migration = {
  version: 8,
  name: 'authz-seals',
  up(db) {
    db.exec(`
      CREATE TABLE authz_seals (
        scope      TEXT PRIMARY KEY,
        manifest   TEXT NOT NULL,
        signature  TEXT NOT NULL,
        signed_at  TEXT NOT NULL
      ) STRICT;
    `);
  },
};
