/**
 * The store: the encrypted SQLite file, its keyslots and key hierarchy, migrations, backup and
 * restore, and the settings table. Domains reach their own tables through the open database.
 */
export { storedSettings, readSettings, writeSetting } from './settings';
