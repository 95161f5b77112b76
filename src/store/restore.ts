/** Restore a backup into an empty home, opened with a user's password or the recovery key. */
import { ApiError } from '../kernel';
import { extractBackupDatabase, readBackupParts } from './backup';
import { ensurePrivateDir, isEmptyOrMissingDir, layoutOf, removeQuietly, writeFileAtomic } from './files';
import { openRecovery, openSlot, parseKeyslotFile, parseRecoveryKey, slotIdFor, verifyMac } from './keyslots';
import { wipeKeyring, type Keyring } from './keyring';
import { Store, type ScryptCost } from './store';

export type RestoreCredentials = { name: string; password: string } | { recoveryKey: string };

export async function restoreBackup(home: string, file: string, creds: RestoreCredentials, options: { scryptCost?: ScryptCost } = {}) {
  if (!isEmptyOrMissingDir(home)) {
    throw new ApiError(
      'CONFLICT',
      `The folder ${home} is not empty. Restore into a new, empty folder (--home), so nothing there is overwritten.`,
    );
  }
  const parts = readBackupParts(file);
  const keyslots = parseKeyslotFile(parts.keyslotsText);
  if (!keyslots) throw new ApiError('VERIFY_FAILED', 'The backup is damaged (its keyslot part does not parse). Nothing was restored.');

  let ring: Keyring | null;
  if ('recoveryKey' in creds) {
    const bytes = parseRecoveryKey(creds.recoveryKey);
    if (!bytes) throw new ApiError('UNAUTHENTICATED', 'That is not a valid recovery key (a typo?). Check it and try again.');
    ring = openRecovery(keyslots.recovery, bytes);
  } else {
    const slot = keyslots.slots.find((s) => s.id === slotIdFor(keyslots, creds.name));
    ring = slot ? await openSlot(slot, creds.password) : null;
  }
  if (!ring) throw new ApiError('UNAUTHENTICATED', 'The password or recovery key does not open this backup. Nothing was restored.');
  if (!verifyMac(keyslots, ring.data))
    throw new ApiError('VERIFY_FAILED', 'The backup is damaged (keyslot MAC mismatch). Nothing was restored.');

  const layout = layoutOf(home);
  const createdHome = isEmptyOrMissingDir(home);
  try {
    ensurePrivateDir(home);
    await extractBackupDatabase(file, parts, ring.data, layout.database);
    writeFileAtomic(layout.keyslots, parts.keyslotsText);
    wipeKeyring(ring);
    return 'recoveryKey' in creds
      ? await Store.unlockWithRecovery(home, creds.recoveryKey, options)
      : await Store.unlock(home, creds.name, creds.password, options);
  } catch (error) {
    for (const path of [layout.database, `${layout.database}-wal`, `${layout.database}-shm`, layout.keyslots]) removeQuietly(path);
    if (createdHome && isEmptyOrMissingDir(home)) removeQuietly(home);
    throw error;
  }
}
