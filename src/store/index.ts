/**
 * The store: the encrypted SQLite file, its keyslots and key hierarchy, migrations, backup and
 * restore, and the settings table. Domains reach their own tables through the open database.
 */
export { Store, type ScryptCost, type RotationHook, type ResealHook } from './store';
export { getMetaFrom } from './meta';
export { adminSigner, checkSeal, isSealed, writeSeal, type SealRows, type Signer } from './seals';
export type { Db } from './database';
export { checkIntegrity, DatabaseOpenError, truncateWal } from './database';
export { FILE_MODE, layoutOf, defaultHome, ensurePrivateDir, removeQuietly, type HomeLayout } from './files';
export { KEY_NAMES, wipeKeyring, type KeyName, type Keyring } from './keyring';
export { parseKeyslotFile, slotIdFor, type KeyslotFile } from './keyslots';
export { aesGcmDecrypt, aesGcmEncrypt, openSealed, sealTo, type Sealed, type SealedBox } from './crypto';
export { writeBackup, backupStore } from './backup';
export { restoreBackup, type RestoreCredentials } from './restore';
export { SCHEMA_VERSION } from './migrations';
export { storedSettings, readSettings, writeSetting, sealSettings } from './settings';
export { PartialFiles } from './partials';
