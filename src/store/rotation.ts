/**
 * The keyslot files a rotation writes, and the order it writes them in (ARCHITECTURE.md "Store"):
 * `keyslots.json.next` first, then the database transaction that records it, then (for a full
 * rotation) the rekey, then the new file promoted. `openHome` finishes or discards a rotation a
 * crash interrupted between these steps.
 */
import { renameSync } from 'node:fs';
import type { Db } from './database';
import { rekeyDatabase } from './database';
import { fsyncDir, removeQuietly, writeFileAtomic, type HomeLayout } from './files';
import type { KeyName, Keyring } from './keyring';
import {
  extendAdminChain,
  finishFile,
  regrantRecovery,
  regrantRecoveryVault,
  regrantSlot,
  regrantVault,
  type KeyslotFile,
  type Slot,
} from './keyslots';

/**
 * The file after a full rotation to `next`: only the slots in `grants` stay, each re-granted the
 * keys named there that `next` holds; the recovery slot re-granted; the admin chain extended.
 */
export function rotatedFile(
  file: KeyslotFile,
  current: Keyring,
  next: Keyring,
  grants: ReadonlyMap<string, readonly KeyName[]>,
): KeyslotFile {
  const slots: Slot[] = [];
  for (const slot of file.slots) {
    const names = grants.get(slot.id);
    if (names)
      slots.push(
        regrantSlot(
          slot,
          next,
          names.filter((n) => next[n] !== undefined),
        ),
      );
  }
  return finishFile(
    {
      ...file,
      generation: file.generation + 1,
      slots,
      recovery: regrantRecovery(file.recovery, next),
      ...(file.authority ? { authority: extendAdminChain(file.authority, current.admin!, next.admin!) } : {}),
    },
    next.data,
  );
}

/** The file after a vault-key rotation: every slot in `grants` holding the vault key, and the recovery slot, get the new one. */
export function vaultRotatedFile(
  file: KeyslotFile,
  current: Keyring,
  next: Keyring,
  grants: ReadonlyMap<string, readonly KeyName[]>,
): KeyslotFile {
  const slots = file.slots.map((slot) => (grants.get(slot.id)?.includes('vault') ? regrantVault(slot, next.vault!) : slot));
  return finishFile(
    { ...file, generation: file.generation + 1, slots, recovery: regrantRecoveryVault(file.recovery, next.vault!) },
    current.data,
  );
}

/**
 * Writes `nextFile` as keyslots.json.next, runs `inTransaction` in one database transaction (the
 * file is removed again if it throws), rekeys the database to `rekeyTo` when given, then promotes
 * the file.
 */
export function commitNextFile(layout: HomeLayout, db: Db, nextFile: KeyslotFile, inTransaction: () => void, rekeyTo?: Buffer): void {
  writeFileAtomic(layout.keyslotsNext, JSON.stringify(nextFile, null, 1));
  try {
    db.transaction(inTransaction)();
  } catch (error) {
    removeQuietly(layout.keyslotsNext);
    throw error;
  }
  if (rekeyTo) rekeyDatabase(db, rekeyTo);
  renameSync(layout.keyslotsNext, layout.keyslots);
  fsyncDir(layout.home);
}
