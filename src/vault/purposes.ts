/**
 * Purposes an admin bound a vault item to (migration 0009). The LLM endpoint's API key is sent in
 * an Authorization header to a server outside the workstation, so it may come only from an item an
 * admin bound to the `llm` purpose: a setting alone cannot point that header at a kubeconfig. The
 * table is authorization state, sealed with the admin key (src/store/seals.ts).
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';
import { checkSeal, writeSeal, type Signer } from '../store';

export const VAULT_PURPOSES = ['llm'] as const;
export type VaultPurpose = (typeof VAULT_PURPOSES)[number];

const SCOPE = 'vault.purposes';

type Row = { item: string; purpose: string; bound_at: string; bound_by: string };

const sealRows = (rows: Row[]) => new Map(rows.map((r) => [`${r.purpose}:${r.item}`, { ...r }]));

export function sealPurposes(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(db.prepare('SELECT * FROM vault_purposes').all() as Row[]), signer, new Date().toISOString());
}

function checkedRows(db: ReadonlyDb): Row[] {
  const rows = db.prepare('SELECT * FROM vault_purposes ORDER BY purpose, item').all() as Row[];
  checkSeal(db, SCOPE, 'the purposes of vault items (which item is the LLM API key)', sealRows(rows));
  return rows;
}

export function listPurposes(db: ReadonlyDb): Array<{ item: string; purpose: VaultPurpose; boundAt: string; boundBy: string }> {
  return checkedRows(db).map((r) => ({ item: r.item, purpose: r.purpose as VaultPurpose, boundAt: r.bound_at, boundBy: r.bound_by }));
}

export function hasPurpose(db: ReadonlyDb, item: string, purpose: VaultPurpose): boolean {
  return checkedRows(db).some((r) => r.item === item && r.purpose === purpose);
}

/** Binds (or unbinds) an item to a purpose; the item must exist to be bound. */
export function setPurpose(
  db: Database,
  change: { item: string; purpose: VaultPurpose; bound: boolean },
  by: string,
  now: string,
  signer: Signer,
): void {
  checkedRows(db);
  if (change.bound) {
    if (!db.prepare('SELECT 1 FROM vault_items WHERE name = ?').get(change.item)) {
      throw new ApiError('NOT_FOUND', `The vault has no item "${change.item}". Add it first ("vault add ${change.item}").`);
    }
    db.prepare('INSERT OR IGNORE INTO vault_purposes(item, purpose, bound_at, bound_by) VALUES (?, ?, ?, ?)').run(
      change.item,
      change.purpose,
      now,
      by,
    );
  } else {
    db.prepare('DELETE FROM vault_purposes WHERE item = ? AND purpose = ?').run(change.item, change.purpose);
  }
  sealPurposes(db, signer);
}
