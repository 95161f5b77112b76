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
 *
 * The steps live beside this class, which keeps the state and the public API: opening.ts (which
 * slot opens, the MAC, an interrupted rotation), keychecks.ts (the checks an opening must pass, and
 * the key-check rows), rotation.ts (the files a rotation writes, in order), meta.ts (the meta table).
 */
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../kernel';
import { newX25519, randomKey } from './crypto';
import { openDatabase, type Db } from './database';
import { ensurePrivateDir, isEmptyOrMissingDir, layoutOf, removeQuietly, tightenModes, writeFileAtomic, type HomeLayout } from './files';
import { keyNamesOf, type KeyName, type Keyring } from './keyring';
import { addVaultLink, checkAdminKey, checkKeys, crossCheckFile, recordFile, sealKeyChecks, writeKeyCheck } from './keychecks';
import {
  currentAdminKey,
  newAdminChain,
  createRecoverySlot,
  createSlot,
  finishFile,
  newIdSalt,
  newRecoveryKey,
  regrantRecovery,
  regrantSlot,
  slotIdFor,
  type KeyslotFile,
} from './keyslots';
import { getMetaFrom, setMetaIn } from './meta';
import { migrate } from './migrations';
import { openHome, openNamedSlot, recoveryOpener, type Opening } from './opening';
import { commitNextFile, rotatedFile, vaultRotatedFile } from './rotation';
import { adminSigner, registerAdminKey, type Signer } from './seals';

export type ScryptCost = { N: number; r: number; p: number };

/** Called inside the rotation transaction so each domain re-encrypts what it holds. */
export type RotationHook = (db: Db, oldKeys: Keyring, newKeys: Keyring) => void;

/** Re-signs every domain's authorization state with a (new) admin key, inside the caller's transaction. */
export type ResealHook = (db: Db, signer: Signer) => void;

export class Store {
  private rotationHooks: RotationHook[] = [];
  private resealHooks: ResealHook[] = [];

  private constructor(
    readonly layout: HomeLayout,
    readonly db: Db,
    private file: KeyslotFile,
    private readonly scryptCost: ScryptCost | undefined,
  ) {
    registerAdminKey(db, file.authority ? currentAdminKey(file.authority) : null);
  }

  /**
   * Whether authorization state is sealed with an admin key. A store made before the admin key is
   * not, until an admin signs in (`seal`); until then the core refuses privileged operations.
   */
  get sealed(): boolean {
    return this.file.authority !== undefined;
  }

  /** The current admin public key, verified against the pin of the slot that opened the store. */
  get adminPublicKey(): string | null {
    return this.file.authority ? currentAdminKey(this.file.authority) : null;
  }

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
    const keyring: Keyring = { data: randomKey(), vault: randomKey(), audit: randomKey(), admin: randomKey() };
    const recovery = newRecoveryKey();
    const pending = newX25519();
    const idSalt = newIdSalt();
    const slotId = slotIdFor({ idSalt }, admin.slotName);
    const adminChain = newAdminChain(keyring.admin!);
    const slot = await createSlot(
      slotId,
      admin.password,
      keyring,
      ['data', 'vault', 'audit', 'admin'],
      options.scryptCost,
      currentAdminKey(adminChain),
    );
    const file = finishFile(
      {
        format: 'airgap-runner/keyslots',
        version: 1,
        generation: 1,
        idSalt,
        pendingEventsKey: pending.publicKey,
        slots: [slot],
        recovery: createRecoverySlot(recovery.bytes, keyring),
        authority: adminChain,
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
        writeKeyCheck(db, 'vault', keyring.vault!);
        writeKeyCheck(db, 'audit', keyring.audit!);
        sealKeyChecks(db, adminSigner(keyring.admin!));
        recordFile(db, file);
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
    return await Store.open(home, options, recoveryOpener(recoveryKeyText));
  }

  private static async open(
    home: string,
    options: { scryptCost?: ScryptCost },
    openWith: (file: KeyslotFile) => Promise<Opening | null>,
  ): Promise<{ store: Store; keyring: Keyring; slotId: string | null }> {
    const { result, repin } = await openHome(home, openWith, (layout, db, file, opened) =>
      Store.finishOpen(layout, db, file, opened, options),
    );
    if (repin) await result.store.repinIfNeeded(repin);
    return result;
  }

  /** Pins the opening slot to the current admin key when it trusted an older one (or none yet). */
  private async repinIfNeeded(opened: Opening): Promise<void> {
    const current = this.adminPublicKey;
    if (!current || !checkAdminKey(this.file, opened).repin) return;
    const patch = await opened.repin(current);
    if (patch) this.writeFile(patch(this.file), opened.ring.data);
  }

  private static finishOpen(layout: HomeLayout, db: Db, file: KeyslotFile, opened: Opening, options: { scryptCost?: ScryptCost }) {
    try {
      checkAdminKey(file, opened);
      migrate(db);
      const store = new Store(layout, db, file, options.scryptCost);
      crossCheckFile(db, file);
      checkKeys(db, opened.ring, store.sealed);
      tightenModes(layout);
      return { store, keyring: opened.ring, slotId: opened.slotId };
    } catch (error) {
      db.close();
      throw error;
    }
  }

  getMeta(key: string): string | undefined {
    return getMetaFrom(this.db, key);
  }

  setMeta(key: string, value: string): void {
    setMetaIn(this.db, key, value);
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
    if (!opened) return null;
    checkAdminKey(this.file, opened);
    checkKeys(this.db, opened.ring, this.sealed);
    await this.repinIfNeeded(opened);
    return { ring: opened.ring, slotId: opened.slotId };
  }

  /** Adds or replaces a slot (new user, password change or reset); it pins the current admin key. */
  async putSlot(slotId: string, password: string, granter: Keyring, names: readonly KeyName[]): Promise<void> {
    const slot = await createSlot(slotId, password, granter, names, this.scryptCost, this.adminPublicKey);
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
    if (!current.vault || !current.audit || (this.sealed && !current.admin))
      throw new ApiError('FORBIDDEN', 'Only a session holding every key (an admin) can rotate keys.');
    const next: Keyring = { data: randomKey(), vault: randomKey(), audit: randomKey() };
    if (this.sealed) next.admin = randomKey();
    const nextFile = rotatedFile(this.file, current, next, grants);
    commitNextFile(
      this.layout,
      this.db,
      nextFile,
      () => {
        writeKeyCheck(this.db, 'vault', next.vault!);
        writeKeyCheck(this.db, 'audit', next.audit!);
        for (const hook of this.rotationHooks) hook(this.db, current, next);
        inTransaction(this.db);
        // Everything sealed under the old admin key is re-signed with the new one.
        if (next.admin) this.resealAll(adminSigner(next.admin));
        recordFile(this.db, nextFile);
      },
      next.data,
    );
    this.file = nextFile;
    registerAdminKey(this.db, this.adminPublicKey);
    tightenModes(this.layout);
    return next;
  }

  /**
   * A user's own password change (THREAT_MODEL.md, "A leaked password"): a new vault key, vault
   * items re-sealed, every slot that held the vault key re-granted the new one. Only slots whose
   * whole key set the changer holds can be re-granted here; with `rotateAll` (or a slot holding more
   * than the changer, e.g. an admin's), this is a full rotation, which needs an admin's keys.
   */
  rotateVault(current: Keyring, grants: ReadonlyMap<string, readonly KeyName[]>): Keyring {
    if (!current.vault) return { ...current };
    const next: Keyring = { ...current, vault: randomKey() };
    const nextFile = vaultRotatedFile(this.file, current, next, grants);
    commitNextFile(this.layout, this.db, nextFile, () => {
      writeKeyCheck(this.db, 'vault', next.vault!);
      // The new key carries the old one, so a slot's vault key can be traced back to the one an admin sealed.
      addVaultLink(this.db, next.vault!, current.vault!);
      for (const hook of this.rotationHooks) hook(this.db, current, next);
      recordFile(this.db, nextFile);
    });
    this.file = nextFile;
    return next;
  }

  onRotation(hook: RotationHook): void {
    this.rotationHooks.push(hook);
  }

  /** Domains that keep authorization state register how to re-sign it (rotation, sealing, init). */
  onReseal(hook: ResealHook): void {
    this.resealHooks.push(hook);
  }

  /** Re-signs every sealed scope; call inside a transaction. */
  resealAll(signer: Signer): void {
    sealKeyChecks(this.db, signer);
    for (const hook of this.resealHooks) hook(this.db, signer);
  }

  /**
   * Seals a store made before the admin key (the first admin sign-in after the upgrade): a new admin
   * key, granted to the admin slots named and the recovery slot, today's state signed with it. The
   * signing-in admin's own slot (`own`) is pinned to it at once; other slots on their next sign-in.
   */
  async seal(current: Keyring, adminSlotIds: readonly string[], own?: { slotName: string; password: string }): Promise<void> {
    if (this.sealed) return;
    if (!current.vault || !current.audit)
      throw new ApiError('FORBIDDEN', 'Only a session holding every key (an admin) can seal the store.');
    current.admin = randomKey();
    const admin = newAdminChain(current.admin);
    const slots = this.file.slots.map((s) =>
      adminSlotIds.includes(s.id) ? regrantSlot(s, current, ['data', 'vault', 'audit', 'admin']) : s,
    );
    this.db.transaction(() => this.resealAll(adminSigner(current.admin!)))();
    this.writeFile({ ...this.file, slots, recovery: regrantRecovery(this.file.recovery, current), authority: admin }, current.data);
    registerAdminKey(this.db, this.adminPublicKey);
    const opened = own ? await openNamedSlot(this.file, own.slotName, own.password) : null;
    const patch = opened ? await opened.repin(currentAdminKey(admin)) : null;
    if (patch) this.writeFile(patch(this.file), current.data);
  }

  /** The slots that exist, for the identity layer to reconcile with its user rows. */
  slotIds(): string[] {
    return this.file.slots.map((s) => s.id);
  }

  keyNamesOf(ring: Keyring): KeyName[] {
    return keyNamesOf(ring);
  }

  private writeFile(content: Omit<KeyslotFile, 'mac'> | KeyslotFile, dataKey: Buffer): void {
    const { mac: _mac, ...rest } = content as KeyslotFile;
    const file = finishFile({ ...rest, generation: this.file.generation + 1 }, dataKey);
    writeFileAtomic(this.layout.keyslots, JSON.stringify(file, null, 1));
    this.file = file;
    this.db.transaction(() => recordFile(this.db, file))();
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
