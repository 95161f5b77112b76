/**
 * User rows (inside the encrypted database: names never appear outside it). Who holds which role is
 * authorization state: every read checks the admin seal over the table (src/store/seals.ts), and
 * every change an admin makes re-signs it, so a user who decrypts the database with their own
 * password cannot grant themselves a role. `must_change_password` is outside the seal: the user
 * clears it when changing their own password.
 */
import { checkSeal, writeSeal, type Signer } from '../store';
import type { ReadonlyDb } from '../kernel';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { normaliseRoles, type Role } from './roles';

export interface UserRow {
  id: number;
  name: string;
  slotId: string;
  roles: Role[];
  mustChangePassword: boolean;
  createdAt: string;
  updatedAt: string;
}

interface Raw {
  id: number;
  name: string;
  slot_id: string;
  roles: string;
  must_change_password: number;
  created_at: string;
  updated_at: string;
}

function fromRaw(r: Raw): UserRow {
  return {
    id: r.id,
    name: r.name,
    slotId: r.slot_id,
    roles: normaliseRoles(JSON.parse(r.roles) as Role[]),
    mustChangePassword: r.must_change_password === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const SCOPE = 'identity.users';

function sealRows(rows: Raw[]): Map<string, unknown> {
  return new Map(rows.map((r) => [`user:${r.id}`, { name: r.name, slotId: r.slot_id, roles: r.roles, createdAt: r.created_at }]));
}

/** Re-signs the users table (after an admin's change, a rotation, or sealing a store). */
export function sealUsers(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(db.prepare('SELECT * FROM users').all() as Raw[]), signer, new Date().toISOString());
}

export class Users<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  /** Every row, after checking the admin seal (VERIFY_FAILED naming the altered users otherwise). */
  private rows(): Raw[] {
    const rows = this.db.prepare('SELECT * FROM users ORDER BY name').all() as Raw[];
    checkSeal(this.db, SCOPE, "the users table (users' names and roles)", sealRows(rows));
    return rows;
  }

  list(): UserRow[] {
    return this.rows().map(fromRaw);
  }

  byName(name: string): UserRow | undefined {
    this.rows();
    const r = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Raw | undefined;
    return r && fromRaw(r);
  }

  bySlot(slotId: string): UserRow | undefined {
    this.rows();
    const r = this.db.prepare('SELECT * FROM users WHERE slot_id = ?').get(slotId) as Raw | undefined;
    return r && fromRaw(r);
  }

  insert(
    this: Users<Database>,
    u: { name: string; slotId: string; roles: Role[]; mustChangePassword: boolean; now: string },
    signer: Signer,
  ): UserRow {
    this.rows();
    this.db
      .prepare('INSERT INTO users (name, slot_id, roles, must_change_password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(u.name, u.slotId, JSON.stringify(normaliseRoles(u.roles)), u.mustChangePassword ? 1 : 0, u.now, u.now);
    sealUsers(this.db, signer);
    return this.byName(u.name)!;
  }

  setRoles(this: Users<Database>, id: number, roles: Role[], now: string, signer: Signer): void {
    this.rows();
    this.db.prepare('UPDATE users SET roles = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(normaliseRoles(roles)), now, id);
    sealUsers(this.db, signer);
  }

  setMustChange(this: Users<Database>, id: number, value: boolean, now: string): void {
    this.db.prepare('UPDATE users SET must_change_password = ?, updated_at = ? WHERE id = ?').run(value ? 1 : 0, now, id);
  }

  remove(this: Users<Database>, id: number, signer: Signer): void {
    this.rows();
    this.db.prepare('DELETE FROM users WHERE id = ?').run(id);
    sealUsers(this.db, signer);
  }

  countAdmins(): number {
    return this.list().filter((u) => u.roles.includes('admin')).length;
  }
}
