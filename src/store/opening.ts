/**
 * Opening the store's files with a password or the recovery key (ARCHITECTURE.md "Store"): which
 * slot opens, the keyslot file's MAC, the database under the data key, and finishing or discarding
 * a rotation a crash interrupted (`keyslots.json.next`). The Store class runs the checks that follow.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { ApiError } from '../kernel';
import { ed25519PublicOf } from './crypto';
import { DatabaseOpenError, openDatabase, rekeyDatabase, toApiOpenError, type Db } from './database';
import { fsyncDir, layoutOf, removeQuietly, type HomeLayout } from './files';
import { wipeKeyring, type Keyring } from './keyring';
import {
  createRecoverySlot,
  openRecoveryWithPin,
  openSlot,
  openSlotWithPin,
  parseKeyslotFile,
  parseRecoveryKey,
  repinSlot,
  slotIdFor,
  verifyMac,
  type KeyslotFile,
  type OpenedSlot,
  type Slot,
} from './keyslots';
import { getMetaFrom } from './meta';

/** A slot opened with its secret, and how to re-pin it to another admin key (needs the same secret). */
export interface Opening extends OpenedSlot {
  slotId: string | null;
  /** Returns how to patch the then-current file so this slot pins `pin`, or null (wrong secret). */
  repin(pin: string): Promise<((file: KeyslotFile) => KeyslotFile) | null>;
}

/** Builds the store from files that opened; closes `db` when it throws. */
export type FinishOpen<T> = (layout: HomeLayout, db: Db, file: KeyslotFile, opened: Opening) => T;

const WRONG_CREDENTIALS = 'Wrong user name or password. Check both and try again.';

/**
 * Opens the home's files with `openWith` and hands them to `finish`. Returns what `finish` made and,
 * for an ordinary opening (no interrupted rotation), the opening whose slot may need re-pinning.
 */
export async function openHome<T>(
  home: string,
  openWith: (file: KeyslotFile) => Promise<Opening | null>,
  finish: FinishOpen<T>,
): Promise<{ result: T; repin: Opening | null }> {
  const layout = layoutOf(home);
  if (!existsSync(layout.keyslots) || !existsSync(layout.database)) {
    throw new ApiError('NOT_FOUND', `No store in ${home}. Create one, or restore a backup into this folder.`, { next: 'init' });
  }
  const file = readKeyslots(layout.keyslots);
  const next = existsSync(layout.keyslotsNext) ? parseKeyslotFile(readFileSync(layout.keyslotsNext, 'utf8')) : null;

  // A rotation that a crash interrupted: the new file may already match the database.
  if (next) {
    const opened = await openWith(next);
    if (opened && verifyMac(next, opened.ring.data)) {
      try {
        const db = openDatabase(layout.database, opened.ring.data);
        renameSync(layout.keyslotsNext, layout.keyslots);
        fsyncDir(home);
        return { result: finish(layout, db, next, opened), repin: null };
      } catch (error) {
        if (!(error instanceof DatabaseOpenError) || error.reason === 'damaged')
          throw error instanceof DatabaseOpenError ? toApiOpenError(error) : error;
        // Not yet rekeyed: fall through to the current file.
        const current = await openWith(file);
        if (current) {
          const db = openChecked(layout, file, current.ring);
          const dbGeneration = Number(getMetaFrom(db, 'keyslots_generation'));
          if (dbGeneration === next.generation) {
            rekeyDatabase(db, opened.ring.data);
            renameSync(layout.keyslotsNext, layout.keyslots);
            fsyncDir(home);
            wipeKeyring(current.ring);
            return { result: finish(layout, db, next, opened), repin: null };
          }
          removeQuietly(layout.keyslotsNext);
          wipeKeyring(opened.ring);
          return { result: finish(layout, db, file, current), repin: null };
        }
      }
    }
  }

  const opened = await openWith(file);
  if (!opened) throw new ApiError('UNAUTHENTICATED', WRONG_CREDENTIALS);
  const db = openChecked(layout, file, opened.ring);
  if (next) removeQuietly(layout.keyslotsNext);
  return { result: finish(layout, db, file, opened), repin: opened };
}

function openChecked(layout: HomeLayout, file: KeyslotFile, ring: Keyring): Db {
  if (!verifyMac(file, ring.data)) {
    throw new ApiError(
      'VERIFY_FAILED',
      'The keyslot file was altered (its MAC does not match). Nothing was changed; put back the original keyslots.json or restore from a backup.',
    );
  }
  try {
    return openDatabase(layout.database, ring.data);
  } catch (error) {
    throw error instanceof DatabaseOpenError ? toApiOpenError(error) : error;
  }
}

function readKeyslots(path: string): KeyslotFile {
  const file = parseKeyslotFile(readFileSync(path, 'utf8'));
  if (!file) {
    throw new ApiError(
      'VERIFY_FAILED',
      `The keyslot file ${path} is damaged or not a keyslot file. Nothing was changed; put back the original or restore from a backup.`,
    );
  }
  return file;
}

/** Opens the slot of a user name; an unknown name costs as much as a wrong password. */
export async function openNamedSlot(file: KeyslotFile, slotName: string, password: string): Promise<(Opening & { slotId: string }) | null> {
  const id = slotIdFor(file, slotName);
  const slot = file.slots.find((s) => s.id === id);
  if (!slot) {
    await openSlot(decoySlot(file), password).catch(() => null);
    return null;
  }
  const opened = await openSlotWithPin(slot, password);
  if (!opened) return null;
  // Re-pins against the file as it is then (a rotation may have rewritten it since).
  const repin = async (pin: string) => {
    const repinned = await repinSlot(slot, password, pin);
    if (!repinned) return null;
    // Keeps the slot's current key box (a regrant may have changed it since it was opened).
    return (f: KeyslotFile): KeyslotFile => ({
      ...f,
      slots: f.slots.map((s) => (s.id === id ? { ...s, privateKey: repinned.privateKey } : s)),
    });
  };
  return { ...opened, slotId: id, repin };
}

/** How to open a keyslot file's recovery slot with the recovery key text; UNAUTHENTICATED if the text is not one. */
export function recoveryOpener(recoveryKeyText: string): (file: KeyslotFile) => Promise<Opening | null> {
  const bytes = parseRecoveryKey(recoveryKeyText);
  if (!bytes)
    throw new ApiError(
      'UNAUTHENTICATED',
      'That is not a valid recovery key (a typo?). It has 11 groups of 5 letters and digits; check it and try again.',
    );
  return async (file) => {
    const opened = openRecoveryWithPin(file.recovery, bytes);
    if (!opened) return null;
    // The recovery slot is re-made with the same recovery key: its new private part pins the ring's admin key.
    const repin = async (pin: string) => {
      const ring = opened.ring;
      if (!ring.admin || ed25519PublicOf(ring.admin) !== pin) return null;
      const recovery = createRecoverySlot(bytes, ring);
      return (f: KeyslotFile): KeyslotFile => ({ ...f, recovery });
    };
    return { ...opened, slotId: null, repin };
  };
}

/** A slot shape with the first real slot's cost, so an unknown name costs as much as a wrong password. */
function decoySlot(file: KeyslotFile): Slot {
  const model = file.slots[0] ?? file.recovery;
  const kdf = 'N' in model.kdf ? model.kdf : { name: 'scrypt' as const, N: 2 ** 17, r: 8, p: 1, salt: file.idSalt };
  return { id: '0'.repeat(64), kdf, publicKey: model.publicKey, privateKey: model.privateKey, keys: model.keys };
}
