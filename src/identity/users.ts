/** User rows (inside the encrypted database: names never appear outside it). */
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

export class Users<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  list(): UserRow[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as Raw[]).map(fromRaw);
  }

  byName(name: string): UserRow | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Raw | undefined;
    return r && fromRaw(r);
  }

  bySlot(slotId: string): UserRow | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE slot_id = ?').get(slotId) as Raw | undefined;
    return r && fromRaw(r);
  }

  insert(this: Users<Database>, u: { name: string; slotId: string; roles: Role[]; mustChangePassword: boolean; now: string }): UserRow {
    this.db
      .prepare('INSERT INTO users (name, slot_id, roles, must_change_password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(u.name, u.slotId, JSON.stringify(normaliseRoles(u.roles)), u.mustChangePassword ? 1 : 0, u.now, u.now);
    return this.byName(u.name)!;
  }

  setRoles(this: Users<Database>, id: number, roles: Role[], now: string): void {
    this.db.prepare('UPDATE users SET roles = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(normaliseRoles(roles)), now, id);
  }

  setMustChange(this: Users<Database>, id: number, value: boolean, now: string): void {
    this.db.prepare('UPDATE users SET must_change_password = ?, updated_at = ? WHERE id = ?').run(value ? 1 : 0, now, id);
  }

  remove(this: Users<Database>, id: number): void {
    this.db.prepare('DELETE FROM users WHERE id = ?').run(id);
  }

  countAdmins(): number {
    return this.list().filter((u) => u.roles.includes('admin')).length;
  }
}
