/**
 * The enterprise identity settings (docs/identity.md): how users sign in (`auth.mode`), the site's
 * SAML IdP as imported from its metadata file (its signing certificates pinned), the LDAP/AD
 * directory, and the mapping of the groups they assert to roles. All of it decides who may do what,
 * so both tables are sealed with the admin key (src/store/seals.ts): every read checks the seal,
 * every change an admin makes re-signs it, and a rotation re-signs it through RESEAL_HOOKS.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { z } from 'zod';
import { ApiError, type ReadonlyDb } from '../kernel';
import { checkSeal, writeSeal, type Signer } from '../store';
import { AUTH_MODES, ROLES, type AuthMode, type IdentitySource, type Role } from './model';

export { AUTH_MODES, IDENTITY_SOURCES, REFEDS_MFA, type AuthMode, type IdentitySource } from './model';
export const DEFAULT_ACS_PORT = 47380;

const loopbackHttp = z
  .string()
  .url()
  .refine(
    (u) => /^http:\/\/127\.0\.0\.1:\d{1,5}\/saml\/acs$/.test(u),
    'the ACS URL is http://127.0.0.1:PORT/saml/acs (a loopback listener)',
  );

export const samlSettingsSchema = z
  .object({
    entityId: z.string().min(1).max(1000),
    displayName: z.string().min(1).max(100),
    ssoUrl: z.string().url(),
    /** Base64 DER of each signing certificate in the imported metadata: the only keys that verify. */
    certs: z.array(z.string().min(1)).min(1).max(4),
    metadataSha256: z.string().regex(/^[0-9a-f]{64}$/),
    spEntityId: z.string().min(1).max(1000),
    acsUrl: loopbackHttp,
    /** The attribute whose value must equal the local user name ("nameid": the NameID itself). */
    userAttribute: z.string().min(1).max(200),
    groupAttribute: z.string().min(1).max(200),
    /** Asked for in RequestedAuthnContext and required in AuthnContextClassRef; null: none asked. */
    requiredAuthnContext: z.string().min(1).max(500).nullable(),
    wantResponseSigned: z.boolean(),
    clockSkewSeconds: z.number().int().min(0).max(300),
    /** How long a sign-in waits for the IdP's answer. */
    waitSeconds: z.number().int().min(10).max(1800),
  })
  .strict();
export type SamlSettings = z.infer<typeof samlSettingsSchema>;

export const ldapSettingsSchema = z
  .object({
    url: z.string().regex(/^ldaps?:\/\/[^/\s]+$/, 'ldaps://HOST[:PORT] or ldap://HOST[:PORT] (with StartTLS)'),
    startTls: z.boolean(),
    /** The site CA (PEM): the only certificate authority the directory's certificate may chain to. */
    caPem: z.string().includes('-----BEGIN CERTIFICATE-----'),
    /** The name the directory's certificate is checked against (by default the URL's host). */
    serverName: z.string().min(1).max(253).nullable(),
    /** The DN a user binds as, with {user} for the (escaped) user name, e.g. uid={user},ou=people,dc=example,dc=org. */
    userDnTemplate: z.string().includes('{user}'),
    /** member: groups are groupOfNames under groupBase naming the user (value: cn); memberOf: the user's memberOf DNs (AD). */
    groupMode: z.enum(['member', 'memberOf']),
    groupBase: z.string().min(1).nullable(),
    timeoutMs: z.number().int().min(500).max(60_000),
  })
  .strict()
  .refine((s) => s.url.startsWith('ldaps://') !== s.startTls, 'use ldaps:// without StartTLS, or ldap:// with StartTLS')
  .refine((s) => s.groupMode !== 'member' || s.groupBase !== null, 'groupBase is needed when groupMode is member');
export type LdapSettings = z.infer<typeof ldapSettingsSchema>;

const CONFIG_SCOPE = 'identity.config';
const MAPPING_SCOPE = 'identity.groupRoles';

type ConfigRow = { key: string; value: string; updated_at: string; updated_by: string };
type MappingRow = { source: string; group_value: string; role: string; created_at: string; created_by: string };

const configSeal = (rows: ConfigRow[]) => new Map(rows.map((r) => [r.key, { value: r.value, at: r.updated_at, by: r.updated_by }]));
const mappingSeal = (rows: MappingRow[]) =>
  new Map(rows.map((r) => [`${r.source}\n${r.group_value}\n${r.role}`, { at: r.created_at, by: r.created_by }]));

/** Re-signs the identity settings and the group mappings (RESEAL_HOOKS). */
export function sealIdentityConfig(db: Database, signer: Signer): void {
  const now = new Date().toISOString();
  writeSeal(db, CONFIG_SCOPE, configSeal(db.prepare('SELECT * FROM identity_config').all() as ConfigRow[]), signer, now);
  writeSeal(db, MAPPING_SCOPE, mappingSeal(db.prepare('SELECT * FROM group_role_mappings').all() as MappingRow[]), signer, now);
}

export interface GroupMapping {
  source: IdentitySource;
  group: string;
  role: Role;
  createdAt: string;
  createdBy: string;
}

/** LDAP DNs are compared case-insensitively and without spaces after commas. */
export function normaliseGroup(source: IdentitySource, value: string): string {
  const v = value.trim();
  return source === 'ldap' && v.includes('=') ? v.replace(/\s*,\s*/g, ',').toLowerCase() : v;
}

export class IdentityConfig<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  private configRows(): ConfigRow[] {
    const rows = this.db.prepare('SELECT * FROM identity_config ORDER BY key').all() as ConfigRow[];
    checkSeal(this.db, CONFIG_SCOPE, 'the identity settings (sign-in mode, IdP, directory)', configSeal(rows));
    return rows;
  }

  private mappingRows(): MappingRow[] {
    const rows = this.db.prepare('SELECT * FROM group_role_mappings ORDER BY source, group_value, role').all() as MappingRow[];
    checkSeal(this.db, MAPPING_SCOPE, 'the group-to-role mappings', mappingSeal(rows));
    return rows;
  }

  private value(key: string): unknown {
    const row = this.configRows().find((r) => r.key === key);
    return row ? (JSON.parse(row.value) as unknown) : undefined;
  }

  mode(): AuthMode {
    const v = this.value('auth.mode');
    return AUTH_MODES.includes(v as AuthMode) ? (v as AuthMode) : 'local';
  }

  saml(): SamlSettings | null {
    const v = this.value('saml');
    return v === undefined ? null : samlSettingsSchema.parse(v);
  }

  ldap(): LdapSettings | null {
    const v = this.value('ldap');
    return v === undefined ? null : ldapSettingsSchema.parse(v);
  }

  mappings(source?: IdentitySource): GroupMapping[] {
    return this.mappingRows()
      .filter((r) => !source || r.source === source)
      .map((r) => ({
        source: r.source as IdentitySource,
        group: r.group_value,
        role: r.role as Role,
        createdAt: r.created_at,
        createdBy: r.created_by,
      }));
  }

  set(this: IdentityConfig<Database>, key: 'auth.mode' | 'saml' | 'ldap', value: unknown, by: string, now: string, signer: Signer): void {
    this.configRows();
    this.mappingRows();
    this.db
      .prepare(
        'INSERT INTO identity_config(key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
      )
      .run(key, JSON.stringify(value), now, by);
    sealIdentityConfig(this.db, signer);
  }

  remove(this: IdentityConfig<Database>, key: 'saml' | 'ldap', signer: Signer): void {
    this.configRows();
    this.db.prepare('DELETE FROM identity_config WHERE key = ?').run(key);
    sealIdentityConfig(this.db, signer);
  }

  addMapping(this: IdentityConfig<Database>, m: GroupMapping, signer: Signer): void {
    if (!ROLES.includes(m.role)) throw new ApiError('INVALID_INPUT', `"${String(m.role)}" is not a role (${ROLES.join(', ')}).`);
    const group = normaliseGroup(m.source, m.group);
    if (this.mappings(m.source).some((x) => x.group === group && x.role === m.role)) {
      throw new ApiError('CONFLICT', `The ${m.source} group "${group}" already maps to ${m.role}.`);
    }
    this.db
      .prepare('INSERT INTO group_role_mappings(source, group_value, role, created_at, created_by) VALUES (?, ?, ?, ?, ?)')
      .run(m.source, group, m.role, m.createdAt, m.createdBy);
    sealIdentityConfig(this.db, signer);
  }

  removeMapping(this: IdentityConfig<Database>, source: IdentitySource, groupValue: string, role: Role, signer: Signer): void {
    const group = normaliseGroup(source, groupValue);
    if (!this.mappings(source).some((x) => x.group === group && x.role === role)) {
      throw new ApiError(
        'NOT_FOUND',
        `No mapping of the ${source} group "${group}" to ${role}: it may have been removed already. Reload the list of mappings.`,
      );
    }
    this.db.prepare('DELETE FROM group_role_mappings WHERE source = ? AND group_value = ? AND role = ?').run(source, group, role);
    sealIdentityConfig(this.db, signer);
  }
}
