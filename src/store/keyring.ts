/**
 * The keys a signed-in user holds (THREAT_MODEL.md, "Key hierarchy"):
 * - data: opens the SQLCipher-compatible database (everyone who can sign in);
 * - vault: encrypts vault items (roles that may use secrets);
 * - audit: encrypts the audit signing identity (auditors and admins);
 * - admin: the Ed25519 seed that signs authorization state (admins and the recovery slot only).
 */
import { z } from 'zod';

export const KEY_NAMES = ['data', 'vault', 'audit', 'admin'] as const;
export type KeyName = (typeof KEY_NAMES)[number];

export type Keyring = { data: Buffer } & Partial<Record<Exclude<KeyName, 'data'>, Buffer>>;

const wireSchema = z
  .object({
    v: z.literal(1),
    data: z.string(),
    vault: z.string().optional(),
    audit: z.string().optional(),
    admin: z.string().optional(),
  })
  .strict();

export function serialiseKeyring(keys: Keyring, names: readonly KeyName[]): Buffer {
  const out: Record<string, unknown> = { v: 1 };
  for (const name of names) {
    const key = keys[name];
    if (!key) throw new Error(`cannot grant the ${name} key: the granting session does not hold it`);
    out[name] = key.toString('base64');
  }
  // Pad so the sealed size does not tell which keys a slot holds.
  const json = JSON.stringify(out);
  return Buffer.from(json.padEnd(320, ' '), 'utf8');
}

export function parseKeyring(buf: Buffer): Keyring {
  const parsed = wireSchema.parse(JSON.parse(buf.toString('utf8')));
  const ring: Keyring = { data: Buffer.from(parsed.data, 'base64') };
  if (parsed.vault) ring.vault = Buffer.from(parsed.vault, 'base64');
  if (parsed.audit) ring.audit = Buffer.from(parsed.audit, 'base64');
  if (parsed.admin) ring.admin = Buffer.from(parsed.admin, 'base64');
  return ring;
}

export function keyNamesOf(ring: Keyring): KeyName[] {
  return KEY_NAMES.filter((n) => ring[n] !== undefined);
}

export function wipeKeyring(ring: Keyring): void {
  for (const name of KEY_NAMES) ring[name]?.fill(0);
}
