/**
 * The encrypted store: the database plus the keyslot file, opened together (ARCHITECTURE.md
 * "Store", THREAT_MODEL.md "Key hierarchy"). This class owns keys and files; users, roles and
 * the audit chain live in their own folders and call in here.
 *
 * Write order for the keyslot file: the file is written first, then the database records its
 * generation and MAC. A file newer than the database is accepted (a crash between the two
 * writes); an older one is refused as a rollback. Rotation writes `keyslots.json.next` first,
 * commits the database, rekeys it, then promotes the file; `unlock` finishes or discards a
 * rotation a crash interrupted.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { ApiError, type ReadonlyDb } from '../kernel';
import { aesGcmDecrypt, aesGcmEncrypt, newX25519, randomKey } from './crypto';
import { DatabaseOpenError, openDatabase, rekeyDatabase, toApiOpenError, type Db } from './database';
import {
  ensurePrivateDir,
  fsyncDir,
  isEmptyOrMissingDir,
  layoutOf,
  removeQuietly,
  tightenModes,
  writeFileAtomic,
  type HomeLayout,
} from './files';
import { keyNamesOf, wipeKeyring, type KeyName, type Keyring } from './keyring';
import {
  createRecoverySlot,
  createSlot,
  finishFile,
  newIdSalt,
  newRecoveryKey,
  openRecovery,
  openSlot,
  parseKeyslotFile,
  parseRecoveryKey,
  regrantRecovery,
  regrantSlot,
  slotIdFor,
  verifyMac,
  type KeyslotFile,
  type Slot,
} from './keyslots';
import { migrate } from './migrations';

export type ScryptCost = { N: number; r: number; p: number };

/** Called inside the rotation transaction so each domain re-encrypts what it holds. */
export type RotationHook = (db: Db, oldKeys: Keyring, newKeys: Keyring) => void;

const WRONG_CREDENTIALS = 'Wrong user name or password. Check both and try again.';

export class Store {
  private rotationHooks: RotationHook[] = [];

  private constructor(
    readonly layout: HomeLayout,
    readonly db: Db,
    private file: KeyslotFile,
    private readonly scryptCost: ScryptCost | undefined,
  ) {}

  get workstationId(): string {
    return this.getMeta('workstation_id')!;
  }

  get generation(): number {
    return this.file.generation;
  }

  /** Public key that seals events recorded while the store is locked (failed sign-ins). */
  get pendingEventsKey(): string {
    return this.file.pendingEventsKey;
  }

  pendingEventsPrivateKey(): Buffer {
    return Buffer.from(this.getMeta('pending_events_private')!, 'base64');
  }

  static isInitialised(home: string): boolean {
    const layout = layoutOf(home);
    return existsSync(layout.keyslots) || existsSync(layout.database);
  }

  /** Creates a new store in an empty home. Returns the recovery key text (shown once). */
  static async create(
    home: string,
    admin: { slotName: string; password: string },
    options: { scryptCost?: ScryptCost } = {},
  ): Promise<{ store: Store; keyring: Keyring; slotId: string; recoveryKey: string }> {
    const layout = layoutOf(home);
    if (!isEmptyOrMissingDir(home)) {
      throw new ApiError(
        'CONFLICT',
        `The folder ${home} is not empty. Choose an empty folder (--home) or sign in to the store that is there.`,
      );
    }
    ensurePrivateDir(home);
    const keyring: Keyring = { data: randomKey(), vault: randomKey(), audit: randomKey() };
    const recovery = newRecoveryKey();
    const pending = newX25519();
    const idSalt = newIdSalt();
    const slotId = slotIdFor({ idSalt }, admin.slotName);
    const slot = await createSlot(slotId, admin.password, keyring, ['data', 'vault', 'audit'], options.scryptCost);
    const file = finishFile(
      {
        format: 'airgap-runner/keyslots',
        version: 1,
        generation: 1,
        idSalt,
        pendingEventsKey: pending.publicKey,
        slots: [slot],
        recovery: createRecoverySlot(recovery.bytes, keyring),
      },
      keyring.data,
    );
    recovery.bytes.fill(0);
    try {
      writeFileAtomic(layout.keyslots, JSON.stringify(file, null, 1));
      const db = openDatabase(layout.database, keyring.data, { create: true });
      const store = new Store(layout, db, file, options.scryptCost);
      migrate(db);
      db.transaction(() => {
        store.setMeta('workstation_id', randomUUID());
        store.setMeta('pending_events_private', pending.privateKey.toString('base64'));
        store.setMeta('vault_check', JSON.stringify(aesGcmEncrypt(keyring.vault!, Buffer.from('vault'), 'airgap-runner/key-check/vault')));
        store.setMeta('audit_check', JSON.stringify(aesGcmEncrypt(keyring.audit!, Buffer.from('audit'), 'airgap-runner/key-check/audit')));
        store.recordFile(file);
      })();
      tightenModes(layout);
      return { store, keyring, slotId, recoveryKey: recovery.text };
    } catch (error) {
      removeQuietly(layout.database);
      removeQuietly(`${layout.database}-wal`);
      removeQuietly(`${layout.database}-shm`);
      removeQuietly(layout.keyslots);
      throw error;
    } finally {
      pending.privateKey.fill(0);
    }
  }

  /** Opens the store with a user's password. */
  static async unlock(home: string, slotName: string, password: string, options: { scryptCost?: ScryptCost } = {}) {
    return await Store.open(home, options, (file) => openNamedSlot(file, slotName, password));
  }

  /** Opens the store with the recovery key. */
  static async unlockWithRecovery(home: string, recoveryKeyText: string, options: { scryptCost?: ScryptCost } = {}) {
    const bytes = parseRecoveryKey(recoveryKeyText);
    if (!bytes)
      throw new ApiError(
        'UNAUTHENTICATED',
        'That is not a valid recovery key (a typo?). It has 11 groups of 5 letters and digits; check it and try again.',
      );
    return await Store.open(home, options, async (file) => {
      const ring = openRecovery(file.recovery, bytes);
      return ring ? { ring, slotId: null } : null;
    });
  }

  private static async open(
    home: string,
    options: { scryptCost?: ScryptCost },
    openWith: (file: KeyslotFile) => Promise<{ ring: Keyring; slotId: string | null } | null>,
  ): Promise<{ store: Store; keyring: Keyring; slotId: string | null }> {
    const layout = layoutOf(home);
    if (!existsSync(layout.keyslots) || !existsSync(layout.database)) {
      throw new ApiError(
        'NOT_FOUND',
        `No store in ${home}. Run "airgap-runner init --admin NAME" to create one, or "airgap-runner restore FILE" to restore a backup.`,
      );
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
          return Store.finishOpen(layout, db, next, opened, options);
        } catch (error) {
          if (!(error instanceof DatabaseOpenError) || error.reason === 'damaged')
            throw error instanceof DatabaseOpenError ? toApiOpenError(error) : error;
          // Not yet rekeyed: fall through to the current file.
          const current = await openWith(file);
          if (current) {
            const db = Store.openChecked(layout, file, current.ring);
            const dbGeneration = Number(getMetaFrom(db, 'keyslots_generation'));
            if (dbGeneration === next.generation) {
              rekeyDatabase(db, opened.ring.data);
              renameSync(layout.keyslotsNext, layout.keyslots);
              fsyncDir(home);
              wipeKeyring(current.ring);
              return Store.finishOpen(layout, db, next, opened, options);
            }
            removeQuietly(layout.keyslotsNext);
            wipeKeyring(opened.ring);
            return Store.finishOpen(layout, db, file, current, options);
          }
        }
      }
    }

    const opened = await openWith(file);
    if (!opened) throw new ApiError('UNAUTHENTICATED', WRONG_CREDENTIALS);
    const db = Store.openChecked(layout, file, opened.ring);
    if (next) removeQuietly(layout.keyslotsNext);
    return Store.finishOpen(layout, db, file, opened, options);
  }

  private static openChecked(layout: HomeLayout, file: KeyslotFile, ring: Keyring): Db {
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

  private static finishOpen(
    layout: HomeLayout,
    db: Db,
    file: KeyslotFile,
    opened: { ring: Keyring; slotId: string | null },
    options: { scryptCost?: ScryptCost },
  ) {
    try {
      migrate(db);
      const store = new Store(layout, db, file, options.scryptCost);
      store.crossCheckFile();
      store.checkKeys(opened.ring);
      tightenModes(layout);
      return { store, keyring: opened.ring, slotId: opened.slotId };
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Detects an older or foreign keyslot file by the generation and MAC the database recorded. */
  private crossCheckFile(): void {
    const recordedGeneration = Number(this.getMeta('keyslots_generation'));
    const recordedMac = this.getMeta('keyslots_mac');
    if (this.file.generation < recordedGeneration) {
      throw new ApiError(
        'VERIFY_FAILED',
        `The keyslot file is an older copy (generation ${this.file.generation}; the database expects ${recordedGeneration}). Someone may have put back an old file to revive a removed password. Nothing was changed; restore the current keyslots.json or a backup.`,
      );
    }
    if (this.file.generation === recordedGeneration && recordedMac !== this.file.mac) {
      throw new ApiError(
        'VERIFY_FAILED',
        'The keyslot file does not match the one this database recorded. Nothing was changed; restore the current keyslots.json or a backup.',
      );
    }
    if (this.file.generation > recordedGeneration) {
      // The file was written and the process stopped before the database recorded it.
      this.db.transaction(() => this.recordFile(this.file))();
    }
  }

  /** A slot holding stale vault or audit keys is refused rather than producing garbage later. */
  private checkKeys(ring: Keyring): void {
    for (const name of ['vault', 'audit'] as const) {
      const key = ring[name];
      if (!key) continue;
      const check = JSON.parse(this.getMeta(`${name}_check`)!);
      if (!aesGcmDecrypt(key, check, `airgap-runner/key-check/${name}`)) {
        throw new ApiError(
          'VERIFY_FAILED',
          `Your keyslot holds an outdated ${name} key. Ask an admin to re-grant your roles, or use the recovery key.`,
        );
      }
    }
  }

  private recordFile(file: KeyslotFile): void {
    this.setMeta('keyslots_generation', String(file.generation));
    this.setMeta('keyslots_mac', file.mac);
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  slotIdFor(name: string): string {
    return slotIdFor(this.file, name);
  }

  hasSlot(slotId: string): boolean {
    return this.file.slots.some((s) => s.id === slotId);
  }

  /** Checks a password against a slot of the open store (sign-in of a second user). */
  async openSlot(slotName: string, password: string): Promise<{ ring: Keyring; slotId: string } | null> {
    const opened = await openNamedSlot(this.file, slotName, password);
    if (opened) this.checkKeys(opened.ring);
    return opened;
  }

  /** Adds or replaces a slot (new user, password change or reset). */
  async putSlot(slotId: string, password: string, granter: Keyring, names: readonly KeyName[]): Promise<void> {
    const slot = await createSlot(slotId, password, granter, names, this.scryptCost);
    this.writeFile({ ...this.file, slots: [...this.file.slots.filter((s) => s.id !== slotId), slot] }, granter.data);
  }

  /** Re-grants a slot a wider key set (role added): sealed to its public key, no password needed. */
  regrant(slotId: string, granter: Keyring, names: readonly KeyName[]): void {
    const slots = this.file.slots.map((s) => (s.id === slotId ? regrantSlot(s, granter, names) : s));
    this.writeFile({ ...this.file, slots }, granter.data);
  }

  /**
   * Removes slots and/or narrows key sets with a full rotation: new data, vault and audit keys,
   * the database rekeyed, every remaining slot and the recovery slot re-granted, generation bumped.
   * Old passwords and old copies of the keyslot file open nothing afterwards.
   */
  rotate(current: Keyring, grants: ReadonlyMap<string, readonly KeyName[]>, inTransaction: (db: Db) => void = () => {}): Keyring {
    if (!current.vault || !current.audit) throw new ApiError('FORBIDDEN', 'Only a session holding every key (an admin) can rotate keys.');
    const next: Keyring = { data: randomKey(), vault: randomKey(), audit: randomKey() };
    const slots: Slot[] = [];
    for (const slot of this.file.slots) {
      const names = grants.get(slot.id);
      if (names) slots.push(regrantSlot(slot, next, names));
    }
    const nextFile = finishFile(
      {
        ...this.file,
        generation: this.file.generation + 1,
        slots,
        recovery: regrantRecovery(this.file.recovery, next),
      },
      next.data,
    );
    writeFileAtomic(this.layout.keyslotsNext, JSON.stringify(nextFile, null, 1));
    try {
      this.db.transaction(() => {
        this.setMeta('vault_check', JSON.stringify(aesGcmEncrypt(next.vault!, Buffer.from('vault'), 'airgap-runner/key-check/vault')));
        this.setMeta('audit_check', JSON.stringify(aesGcmEncrypt(next.audit!, Buffer.from('audit'), 'airgap-runner/key-check/audit')));
        for (const hook of this.rotationHooks) hook(this.db, current, next);
        inTransaction(this.db);
        this.recordFile(nextFile);
      })();
    } catch (error) {
      removeQuietly(this.layout.keyslotsNext);
      throw error;
    }
    rekeyDatabase(this.db, next.data);
    renameSync(this.layout.keyslotsNext, this.layout.keyslots);
    fsyncDir(this.layout.home);
    this.file = nextFile;
    tightenModes(this.layout);
    return next;
  }

  onRotation(hook: RotationHook): void {
    this.rotationHooks.push(hook);
  }

  /** The slots that exist, for the identity layer to reconcile with its user rows. */
  slotIds(): string[] {
    return this.file.slots.map((s) => s.id);
  }

  keyNamesOf(ring: Keyring): KeyName[] {
    return keyNamesOf(ring);
  }

  private writeFile(content: Omit<KeyslotFile, 'mac'>, dataKey: Buffer): void {
    const file = finishFile({ ...content, generation: this.file.generation + 1 }, dataKey);
    writeFileAtomic(this.layout.keyslots, JSON.stringify(file, null, 1));
    this.file = file;
    this.db.transaction(() => this.recordFile(file))();
  }

  /** The raw keyslot file text, for backups. */
  keyslotFileText(): string {
    return JSON.stringify(this.file, null, 1);
  }

  close(): void {
    if (this.db.open) {
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // Another connection may hold the WAL; closing still leaves a consistent store.
      }
      this.db.close();
    }
  }
}

/** A value of the store's meta table (domains keep a few keys there, e.g. redaction's pseudonym key). */
export function getMetaFrom(db: ReadonlyDb, key: string): string | undefined {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
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
async function openNamedSlot(file: KeyslotFile, slotName: string, password: string): Promise<{ ring: Keyring; slotId: string } | null> {
  const id = slotIdFor(file, slotName);
  const slot = file.slots.find((s) => s.id === id);
  if (!slot) {
    await openSlot(decoySlot(file), password).catch(() => null);
    return null;
  }
  const ring = await openSlot(slot, password);
  return ring ? { ring, slotId: id } : null;
}

/** A slot shape with the first real slot's cost, so an unknown name costs as much as a wrong password. */
function decoySlot(file: KeyslotFile): Slot {
  const model = file.slots[0] ?? file.recovery;
  const kdf = 'N' in model.kdf ? model.kdf : { name: 'scrypt' as const, N: 2 ** 17, r: 8, p: 1, salt: file.idSalt };
  return { id: '0'.repeat(64), kdf, publicKey: model.publicKey, privateKey: model.privateKey, keys: model.keys };
}
