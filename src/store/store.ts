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
import { aesGcmDecrypt, aesGcmEncrypt, ed25519PublicOf, newX25519, randomKey, type Sealed } from './crypto';
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
  chainReaches,
  currentAdminKey,
  extendAdminChain,
  newAdminChain,
  repinSlot,
  createRecoverySlot,
  createSlot,
  finishFile,
  newIdSalt,
  newRecoveryKey,
  openRecoveryWithPin,
  openSlot,
  openSlotWithPin,
  parseKeyslotFile,
  parseRecoveryKey,
  regrantRecovery,
  regrantRecoveryVault,
  regrantSlot,
  regrantVault,
  slotIdFor,
  verifyMac,
  type KeyslotFile,
  type OpenedSlot,
  type Slot,
} from './keyslots';
import { migrate } from './migrations';
import { adminSigner, checkSeal, registerAdminKey, writeSeal, type Signer } from './seals';

export type ScryptCost = { N: number; r: number; p: number };

/** Called inside the rotation transaction so each domain re-encrypts what it holds. */
export type RotationHook = (db: Db, oldKeys: Keyring, newKeys: Keyring) => void;

/** Re-signs every domain's authorization state with a (new) admin key, inside the caller's transaction. */
export type ResealHook = (db: Db, signer: Signer) => void;

/** A slot opened with its secret, and how to re-pin it to another admin key (needs the same secret). */
interface Opening extends OpenedSlot {
  slotId: string | null;
  /** Returns how to patch the then-current file so this slot pins `pin`, or null (wrong secret). */
  repin(pin: string): Promise<((file: KeyslotFile) => KeyslotFile) | null>;
}

const KEY_CHECKS_SCOPE = 'store.keyChecks';
const VAULT_LINK_AAD = 'airgap-runner/vault-link/v1';

const WRONG_CREDENTIALS = 'Wrong user name or password. Check both and try again.';

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
        store.setMeta('vault_check', JSON.stringify(aesGcmEncrypt(keyring.vault!, Buffer.from('vault'), 'airgap-runner/key-check/vault')));
        store.setMeta('audit_check', JSON.stringify(aesGcmEncrypt(keyring.audit!, Buffer.from('audit'), 'airgap-runner/key-check/audit')));
        store.sealKeyChecks(adminSigner(keyring.admin!));
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

  /**
   * Which admin key this opening trusts (THREAT_MODEL.md, the admin key): the key its slot pins,
   * followed along the signed chain to the current one. A slot written before the admin key (no pin)
   * takes the current key on first use and is pinned at once. Returns whether the slot needs re-pinning.
   */
  private static checkAdminKey(file: KeyslotFile, opened: OpenedSlot): { repin: boolean } {
    const fail = (what: string) =>
      new ApiError(
        'VERIFY_FAILED',
        `Tampering detected: ${what}. Nothing was used; an admin should find out who had the store files and restore keyslots.json and store.db from a backup.`,
      );
    if (!file.authority) {
      if (opened.pin || opened.ring.admin) throw fail('the admin key record was removed from keyslots.json');
      return { repin: false };
    }
    const current = currentAdminKey(file.authority);
    if (opened.ring.admin && ed25519PublicOf(opened.ring.admin) !== current) {
      throw fail('the admin key in keyslots.json is not the one your slot holds');
    }
    if (opened.pin && !chainReaches(file.authority, opened.pin)) {
      throw fail('the admin key in keyslots.json does not follow from the admin key your slot trusts');
    }
    return { repin: opened.pin !== current };
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
    });
  }

  private static async open(
    home: string,
    options: { scryptCost?: ScryptCost },
    openWith: (file: KeyslotFile) => Promise<Opening | null>,
  ): Promise<{ store: Store; keyring: Keyring; slotId: string | null }> {
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
    const result = Store.finishOpen(layout, db, file, opened, options);
    await result.store.repinIfNeeded(opened);
    return result;
  }

  /** Pins the opening slot to the current admin key when it trusted an older one (or none yet). */
  private async repinIfNeeded(opened: Opening): Promise<void> {
    const current = this.adminPublicKey;
    if (!current || !Store.checkAdminKey(this.file, opened).repin) return;
    const patch = await opened.repin(current);
    if (patch) this.writeFile(patch(this.file), opened.ring.data);
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

  private static finishOpen(layout: HomeLayout, db: Db, file: KeyslotFile, opened: Opening, options: { scryptCost?: ScryptCost }) {
    try {
      Store.checkAdminKey(file, opened);
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
    checkSeal(this.db, KEY_CHECKS_SCOPE, 'the vault and audit key checks', this.keyCheckRows());
    if (ring.vault && this.sealed) this.traceVaultKey(ring.vault);
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

  private keyCheckRows(): Map<string, unknown> {
    return new Map([
      ['vault_anchor', this.getMeta('vault_anchor') ?? null],
      ['audit_check', this.getMeta('audit_check') ?? null],
    ]);
  }

  /**
   * The key checks are sealed too: a slot's key box is sealed to its public key, which anyone can do,
   * so without this a user holding only the data key could give another user's slot a vault key of
   * their own choosing (and read what that user stores next). The vault key an admin last saw is the
   * anchor; a user's own password change adds a link (the new key encrypting the old one).
   */
  private sealKeyChecks(signer: Signer): void {
    this.setMeta('vault_anchor', this.getMeta('vault_check')!);
    this.setMeta('vault_links', '[]');
    writeSeal(this.db, KEY_CHECKS_SCOPE, this.keyCheckRows(), signer, new Date().toISOString());
  }

  /** Follows the links from a slot's vault key back to the sealed anchor; VERIFY_FAILED if they do not lead there. */
  private traceVaultKey(vault: Buffer): void {
    const links = JSON.parse(this.getMeta('vault_links') ?? '[]') as Sealed[];
    const anchor = JSON.parse(this.getMeta('vault_anchor') ?? 'null') as Sealed | null;
    let key: Buffer | null = Buffer.from(vault);
    for (let i = links.length - 1; i >= 0 && key; i--) {
      const older: Buffer | null = aesGcmDecrypt(key, links[i]!, VAULT_LINK_AAD);
      key.fill(0);
      key = older;
    }
    const ok = key !== null && anchor !== null && aesGcmDecrypt(key, anchor, 'airgap-runner/key-check/vault') !== null;
    key?.fill(0);
    if (!ok) {
      throw new ApiError(
        'VERIFY_FAILED',
        'Tampering detected: the vault key in your keyslot is not one an admin granted or a rotation derived. Nothing was used; an admin should restore keyslots.json and store.db from a backup.',
      );
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
    if (!opened) return null;
    Store.checkAdminKey(this.file, opened);
    this.checkKeys(opened.ring);
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
    const slots: Slot[] = [];
    for (const slot of this.file.slots) {
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
    const nextFile = finishFile(
      {
        ...this.file,
        generation: this.file.generation + 1,
        slots,
        recovery: regrantRecovery(this.file.recovery, next),
        ...(this.file.authority ? { authority: extendAdminChain(this.file.authority, current.admin!, next.admin!) } : {}),
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
        // Everything sealed under the old admin key is re-signed with the new one.
        if (next.admin) this.resealAll(adminSigner(next.admin));
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
    const slots = this.file.slots.map((slot) => (grants.get(slot.id)?.includes('vault') ? regrantVault(slot, next.vault!) : slot));
    const nextFile = finishFile(
      { ...this.file, generation: this.file.generation + 1, slots, recovery: regrantRecoveryVault(this.file.recovery, next.vault!) },
      current.data,
    );
    writeFileAtomic(this.layout.keyslotsNext, JSON.stringify(nextFile, null, 1));
    try {
      this.db.transaction(() => {
        this.setMeta('vault_check', JSON.stringify(aesGcmEncrypt(next.vault!, Buffer.from('vault'), 'airgap-runner/key-check/vault')));
        // The new key carries the old one, so a slot's vault key can be traced back to the one an admin sealed.
        const links = JSON.parse(this.getMeta('vault_links') ?? '[]') as Sealed[];
        links.push(aesGcmEncrypt(next.vault!, current.vault!, VAULT_LINK_AAD));
        this.setMeta('vault_links', JSON.stringify(links));
        for (const hook of this.rotationHooks) hook(this.db, current, next);
        this.recordFile(nextFile);
      })();
    } catch (error) {
      removeQuietly(this.layout.keyslotsNext);
      throw error;
    }
    renameSync(this.layout.keyslotsNext, this.layout.keyslots);
    fsyncDir(this.layout.home);
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
    this.sealKeyChecks(signer);
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
async function openNamedSlot(file: KeyslotFile, slotName: string, password: string): Promise<(Opening & { slotId: string }) | null> {
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

/** A slot shape with the first real slot's cost, so an unknown name costs as much as a wrong password. */
function decoySlot(file: KeyslotFile): Slot {
  const model = file.slots[0] ?? file.recovery;
  const kdf = 'N' in model.kdf ? model.kdf : { name: 'scrypt' as const, N: 2 ** 17, r: 8, p: 1, salt: file.idSalt };
  return { id: '0'.repeat(64), kdf, publicKey: model.publicKey, privateKey: model.privateKey, keys: model.keys };
}
