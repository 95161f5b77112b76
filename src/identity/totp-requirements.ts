/**
 * Which roles must give a TOTP code at sign-in (docs/identity.md, "Offline TOTP"). Authorization
 * state: an admin's change re-signs the table with the admin key and every sign-in checks the seal,
 * so a user who decrypts the database with their own password cannot lift the requirement.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { ReadonlyDb } from '../kernel';
import { checkSeal, writeSeal, type Signer } from '../store';
import { normaliseRoles, ROLES, type Role } from './roles';

const SCOPE = 'identity.totpRequirements';

type Row = { role: string; required_at: string; required_by: string };

const sealRows = (rows: Row[]) => new Map(rows.map((r) => [r.role, { ...r }]));

/** Re-signs the TOTP requirements with the admin key (a change, a rotation, sealing a store). */
export function sealTotpRequirements(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(db.prepare('SELECT * FROM totp_role_requirements').all() as Row[]), signer, new Date().toISOString());
}

export class TotpRequirements<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  /** The rows, after checking the admin seal (VERIFY_FAILED naming what changed otherwise). */
  private rows(): Row[] {
    const rows = this.db.prepare('SELECT role, required_at, required_by FROM totp_role_requirements ORDER BY role').all() as Row[];
    checkSeal(this.db, SCOPE, 'the roles that must use TOTP', sealRows(rows));
    return rows;
  }

  /** Roles that require a code, in the order of ROLES. */
  roles(): Role[] {
    const names = this.rows().map((r) => r.role);
    return normaliseRoles(ROLES.filter((r) => names.includes(r)));
  }

  /** Whether any of these roles requires a code. */
  requiredFor(roles: readonly Role[]): boolean {
    const required = this.roles();
    return roles.some((r) => required.includes(r));
  }

  /** Turns the requirement for one role on or off; returns whether anything changed. */
  set(this: TotpRequirements<Database>, role: Role, required: boolean, by: string, now: string, signer: Signer): boolean {
    const before = this.roles().includes(role);
    if (before === required) return false;
    if (required) this.db.prepare('INSERT INTO totp_role_requirements(role, required_at, required_by) VALUES (?, ?, ?)').run(role, now, by);
    else this.db.prepare('DELETE FROM totp_role_requirements WHERE role = ?').run(role);
    sealTotpRequirements(this.db, signer);
    return true;
  }
}
