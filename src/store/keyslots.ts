/**
 * The keyslot file beside the database (THREAT_MODEL.md): one slot per user and one recovery
 * slot. It names no user (slot id = salted hash of the name). Each slot holds an X25519 key
 * pair whose private half is wrapped with a key derived from the password (scrypt, parameters
 * stored in the slot); the keys the user's roles may hold are sealed to the public half. That is
 * what lets an admin grant, and a rotation re-grant, keys to users without knowing their
 * passwords. A generation counter and a MAC under the data key let the database detect an old
 * or altered copy of this file.
 */
import { z } from 'zod';
import { aesGcmDecrypt, aesGcmEncrypt, equalHex, hkdf, hmacHex, newScryptParams, newX25519, openSealed, scryptKey, sealTo } from './crypto';
import { parseKeyring, serialiseKeyring, type KeyName, type Keyring } from './keyring';
import { canonicalJson } from '../kernel';
import { randomBytes } from 'node:crypto';

const sealedSchema = z.object({ iv: z.string(), ct: z.string(), tag: z.string() }).strict();
const sealedBoxSchema = sealedSchema.extend({ epk: z.string() }).strict();
const scryptSchema = z
  .object({ name: z.literal('scrypt'), N: z.number().int(), r: z.number().int(), p: z.number().int(), salt: z.string() })
  .strict();
const hkdfSchema = z.object({ name: z.literal('hkdf-sha256'), salt: z.string() }).strict();

const slotSchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{64}$/),
    kdf: scryptSchema,
    publicKey: z.string(),
    privateKey: sealedSchema,
    keys: sealedBoxSchema,
  })
  .strict();

const recoverySchema = z
  .object({
    kdf: hkdfSchema,
    publicKey: z.string(),
    privateKey: sealedSchema,
    keys: sealedBoxSchema,
  })
  .strict();

export const keyslotFileSchema = z
  .object({
    format: z.literal('airgap-runner/keyslots'),
    version: z.literal(1),
    generation: z.number().int().min(1),
    idSalt: z.string(),
    /** Public half of the key that seals events written while the store is locked. */
    pendingEventsKey: z.string(),
    slots: z.array(slotSchema),
    recovery: recoverySchema,
    mac: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export type KeyslotFile = z.infer<typeof keyslotFileSchema>;
export type Slot = z.infer<typeof slotSchema>;
type RecoverySlot = z.infer<typeof recoverySchema>;

const PRIVATE_AAD = (id: string) => `airgap-runner/keyslot/v1/private/${id}`;
const KEYS_CONTEXT = (id: string) => `airgap-runner/keyslot/v1/keys/${id}`;
const RECOVERY_ID = 'recovery';

export function slotIdFor(file: Pick<KeyslotFile, 'idSalt'>, userName: string): string {
  return hmacHex(Buffer.from(file.idSalt, 'base64'), `user:${userName.normalize('NFC').toLowerCase()}`);
}

export function macOf(file: Omit<KeyslotFile, 'mac'> | KeyslotFile, dataKey: Buffer): string {
  const { mac: _mac, ...rest } = file as KeyslotFile;
  return hmacHex(hkdf(dataKey, 'keyslots', 'airgap-runner/keyslots-mac'), canonicalJson(rest));
}

export function verifyMac(file: KeyslotFile, dataKey: Buffer): boolean {
  return equalHex(macOf(file, dataKey), file.mac);
}

/** Creates a user slot: a fresh key pair, its private half wrapped by the password. */
export async function createSlot(
  id: string,
  password: string,
  ring: Keyring,
  names: readonly KeyName[],
  cost?: { N: number; r: number; p: number },
): Promise<Slot> {
  const kdf = newScryptParams(cost);
  const kek = await scryptKey(password, kdf);
  const pair = newX25519();
  const slot: Slot = {
    id,
    kdf,
    publicKey: pair.publicKey,
    privateKey: aesGcmEncrypt(kek, pair.privateKey, PRIVATE_AAD(id)),
    keys: sealTo(pair.publicKey, serialiseKeyring(ring, names), KEYS_CONTEXT(id)),
  };
  kek.fill(0);
  pair.privateKey.fill(0);
  return slot;
}

/** Seals a (new) key set to an existing slot's public key: no password needed. */
export function regrantSlot(slot: Slot, ring: Keyring, names: readonly KeyName[]): Slot {
  return { ...slot, keys: sealTo(slot.publicKey, serialiseKeyring(ring, names), KEYS_CONTEXT(slot.id)) };
}

export async function openSlot(slot: Slot, password: string): Promise<Keyring | null> {
  const kek = await scryptKey(password, slot.kdf);
  const priv = aesGcmDecrypt(kek, slot.privateKey, PRIVATE_AAD(slot.id));
  kek.fill(0);
  if (!priv) return null;
  const keys = openSealed(priv, slot.publicKey, slot.keys, KEYS_CONTEXT(slot.id));
  priv.fill(0);
  return keys ? parseKeyring(keys) : null;
}

// --- Recovery key: 32 random bytes shown once, in groups, with a 2-byte checksum. ---

const B32 = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function newRecoveryKey(): { text: string; bytes: Buffer } {
  const bytes = randomBytes(32);
  return { text: formatRecoveryKey(bytes), bytes };
}

function checksum(bytes: Buffer): Buffer {
  return Buffer.from(hmacHex(Buffer.from('airgap-runner/recovery-checksum'), bytes), 'hex').subarray(0, 2);
}

export function formatRecoveryKey(bytes: Buffer): string {
  const all = Buffer.concat([bytes, checksum(bytes)]);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of all) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out.match(/.{1,5}/g)!.join('-');
}

export function parseRecoveryKey(text: string): Buffer | null {
  const clean = text.toUpperCase().replace(/[\s-]/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const v = B32.indexOf(ch);
    if (v < 0) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if (out.length !== 34) return null;
  const buf = Buffer.from(out);
  const bytes = buf.subarray(0, 32);
  return checksum(bytes).equals(buf.subarray(32)) ? Buffer.from(bytes) : null;
}

function recoveryKek(recoveryBytes: Buffer, salt: string): Buffer {
  return hkdf(recoveryBytes, Buffer.from(salt, 'base64'), 'airgap-runner/recovery-slot');
}

export function createRecoverySlot(recoveryBytes: Buffer, ring: Keyring): RecoverySlot {
  const kdf = { name: 'hkdf-sha256' as const, salt: randomBytes(16).toString('base64') };
  const kek = recoveryKek(recoveryBytes, kdf.salt);
  const pair = newX25519();
  const slot: RecoverySlot = {
    kdf,
    publicKey: pair.publicKey,
    privateKey: aesGcmEncrypt(kek, pair.privateKey, PRIVATE_AAD(RECOVERY_ID)),
    keys: sealTo(pair.publicKey, serialiseKeyring(ring, ['data', 'vault', 'audit']), KEYS_CONTEXT(RECOVERY_ID)),
  };
  kek.fill(0);
  pair.privateKey.fill(0);
  return slot;
}

export function regrantRecovery(slot: RecoverySlot, ring: Keyring): RecoverySlot {
  return { ...slot, keys: sealTo(slot.publicKey, serialiseKeyring(ring, ['data', 'vault', 'audit']), KEYS_CONTEXT(RECOVERY_ID)) };
}

export function openRecovery(slot: RecoverySlot, recoveryBytes: Buffer): Keyring | null {
  const kek = recoveryKek(recoveryBytes, slot.kdf.salt);
  const priv = aesGcmDecrypt(kek, slot.privateKey, PRIVATE_AAD(RECOVERY_ID));
  kek.fill(0);
  if (!priv) return null;
  const keys = openSealed(priv, slot.publicKey, slot.keys, KEYS_CONTEXT(RECOVERY_ID));
  priv.fill(0);
  return keys ? parseKeyring(keys) : null;
}

export function newIdSalt(): string {
  return randomBytes(16).toString('base64');
}

/** Seals the file with a fresh MAC under the data key. */
export function finishFile(file: Omit<KeyslotFile, 'mac'>, dataKey: Buffer): KeyslotFile {
  return { ...file, mac: macOf(file, dataKey) };
}

export function parseKeyslotFile(text: string): KeyslotFile | null {
  try {
    const parsed = keyslotFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
