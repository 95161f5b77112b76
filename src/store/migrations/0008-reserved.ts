import type { Migration } from './types';

/**
 * Version 8 is handed to the admin key (issue 13 items 1-2, another branch). This placeholder keeps
 * the versions contiguous on the branch that adds 0009 first; the admin key's migration replaces it
 * when both are merged (a store at 8 or later never existed outside a development branch).
 */
export const migration: Migration = {
  version: 8,
  name: 'reserved-admin-key',
  up() {},
};
