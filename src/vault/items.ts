/**
 * Vault items (THREAT_MODEL.md asset 1): kubeconfigs, tokens, keys, each sealed with AES-256-GCM
 * under the vault key, bound to the bundles allowed to use it. Values go in and are only ever opened
 * by the runner for a run; nothing here returns a value to an API caller.
 *
 * The associated data binds each ciphertext to its item name, so a row copied under another name
 * does not open.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';
import { aesGcmDecrypt, aesGcmEncrypt, type Sealed } from '../store';

export const MAX_VAULT_ITEM_BYTES = 1024 * 1024;

export interface VaultItemInfo {
  name: string;
  size: number;
  bundles: string[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

interface ItemRow {
  name: string;
  sealed: string;
  size: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

function aad(name: string): string {
  return `airgap-runner/vault/v1/${name}`;
}

export function sealItem(vaultKey: Buffer, name: string, value: Buffer): string {
  return JSON.stringify(aesGcmEncrypt(vaultKey, value, aad(name)));
}

/** null when the key is wrong or the row was altered. */
export function openItem(vaultKey: Buffer, name: string, sealed: string): Buffer | null {
  return aesGcmDecrypt(vaultKey, JSON.parse(sealed) as Sealed, aad(name));
}

export function needVaultKey(key: Buffer | undefined): Buffer {
  if (!key) throw new ApiError('FORBIDDEN', 'Your session holds no vault key (only admins and operators use the vault).');
  return key;
}

export class VaultItems<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  exists(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM vault_items WHERE name = ?').get(name) !== undefined;
  }

  /** Adds or (with `replace`) replaces an item's value; bindings are kept on replace. */
  put(
    this: VaultItems<Database>,
    vaultKey: Buffer,
    name: string,
    value: Buffer,
    by: string,
    now: string,
    replace: boolean,
  ): { replaced: boolean } {
    if (value.length === 0) throw new ApiError('INVALID_INPUT', 'A vault item cannot be empty.');
    if (value.length > MAX_VAULT_ITEM_BYTES)
      throw new ApiError('INVALID_INPUT', `A vault item holds at most ${MAX_VAULT_ITEM_BYTES} bytes.`);
    const sealed = sealItem(vaultKey, name, value);
    if (this.exists(name)) {
      if (!replace)
        throw new ApiError('CONFLICT', `The vault already has an item named "${name}". Replace it with --replace, or pick another name.`);
      this.db
        .prepare('UPDATE vault_items SET sealed = ?, size = ?, updated_at = ?, updated_by = ? WHERE name = ?')
        .run(sealed, value.length, now, by, name);
      return { replaced: true };
    }
    this.db
      .prepare('INSERT INTO vault_items(name, sealed, size, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(name, sealed, value.length, now, by, now, by);
    return { replaced: false };
  }

  remove(this: VaultItems<Database>, name: string): void {
    const r = this.db.prepare('DELETE FROM vault_items WHERE name = ?').run(name);
    if (r.changes === 0) throw notFound(name);
  }

  bind(this: VaultItems<Database>, name: string, bundles: readonly string[], by: string, now: string): string[] {
    if (!this.exists(name)) throw notFound(name);
    const insert = this.db.prepare('INSERT OR IGNORE INTO vault_bindings(item, bundle, bound_at, bound_by) VALUES (?, ?, ?, ?)');
    for (const bundle of bundles) insert.run(name, bundle, now, by);
    return this.bundlesOf(name);
  }

  unbind(this: VaultItems<Database>, name: string, bundles: readonly string[]): string[] {
    if (!this.exists(name)) throw notFound(name);
    const del = this.db.prepare('DELETE FROM vault_bindings WHERE item = ? AND bundle = ?');
    for (const bundle of bundles) del.run(name, bundle);
    return this.bundlesOf(name);
  }

  bundlesOf(name: string): string[] {
    return (this.db.prepare('SELECT bundle FROM vault_bindings WHERE item = ? ORDER BY bundle').all(name) as Array<{ bundle: string }>).map(
      (r) => r.bundle,
    );
  }

  list(): VaultItemInfo[] {
    const rows = this.db
      .prepare('SELECT name, size, created_at, created_by, updated_at, updated_by FROM vault_items ORDER BY name')
      .all() as ItemRow[];
    return rows.map((r) => ({
      name: r.name,
      size: r.size,
      bundles: this.bundlesOf(r.name),
      createdAt: r.created_at,
      createdBy: r.created_by,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    }));
  }

  /**
   * Opens the items a run needs, checking each exists and is bound to the bundle. Only the runner
   * calls this; the values go to the run's secret folder and its masker, nowhere else.
   */
  openForRun(vaultKey: Buffer, bundleName: string, items: Record<string, string>): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    for (const [secret, item] of Object.entries(items)) {
      const row = this.db.prepare('SELECT sealed FROM vault_items WHERE name = ?').get(item) as { sealed: string } | undefined;
      if (!row) {
        throw new ApiError(
          'INVALID_INPUT',
          `The task needs the secret ${secret}, but the vault has no item "${item}". Add it with "vault add ${item} --file F" and bind it to ${bundleName}, or pick another item with --secret ${secret}=ITEM.`,
        );
      }
      if (!this.bundlesOf(item).includes(bundleName)) {
        throw new ApiError(
          'POLICY_DENIED',
          `The vault item "${item}" is not bound to the bundle ${bundleName}. Bind it with "vault bind ${item} ${bundleName}" if this bundle may use it.`,
        );
      }
      const value = openItem(vaultKey, item, row.sealed);
      if (!value)
        throw new ApiError(
          'VERIFY_FAILED',
          `The vault item "${item}" does not open with your vault key (altered, or sealed under an older key). Replace it with "vault add ${item} --replace".`,
        );
      out.set(secret, value);
    }
    return out;
  }

  /** One item's value; undefined when there is no such item, null when it does not open with this key. */
  open(vaultKey: Buffer, name: string): Buffer | null | undefined {
    const row = this.db.prepare('SELECT sealed FROM vault_items WHERE name = ?').get(name) as { sealed: string } | undefined;
    return row ? openItem(vaultKey, name, row.sealed) : undefined;
  }

  /** Every item's value that opens with this vault key (for masking on egress; the rest are skipped). */
  openAll(vaultKey: Buffer): Buffer[] {
    const rows = this.db.prepare('SELECT name, sealed FROM vault_items').all() as Array<{ name: string; sealed: string }>;
    return rows.map((r) => openItem(vaultKey, r.name, r.sealed)).filter((v): v is Buffer => v !== null);
  }

  /** Rotation hook body: re-seals every item from the old vault key to the new one. */
  reseal(this: VaultItems<Database>, oldKey: Buffer, newKey: Buffer): number {
    const rows = this.db.prepare('SELECT name, sealed FROM vault_items').all() as Array<{ name: string; sealed: string }>;
    const update = this.db.prepare('UPDATE vault_items SET sealed = ? WHERE name = ?');
    for (const row of rows) {
      const value = openItem(oldKey, row.name, row.sealed);
      if (!value) throw new Error(`vault item ${row.name} does not open with the current vault key; rotation stopped`);
      update.run(sealItem(newKey, row.name, value), row.name);
      value.fill(0);
    }
    return rows.length;
  }
}

function notFound(name: string): ApiError {
  return new ApiError('NOT_FOUND', `The vault has no item named "${name}": check the name against the vault's items.`);
}
