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
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  ed25519PublicOf,
  ed25519Sign,
  ed25519Verify,
  equalHex,
  hkdf,
  hmacHex,
  newScryptParams,
  newX25519,
  openSealed,
  scryptKey,
  sealTo,
} from './crypto';
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
    /** A newer vault key than `keys` holds (a user's own password change rotated it): sealed alone. */
    vault: sealedBoxSchema.optional(),
  })
  .strict();

const recoverySchema = z
  .object({
    kdf: hkdfSchema,
    publicKey: z.string(),
    privateKey: sealedSchema,
    keys: sealedBoxSchema,
    vault: sealedBoxSchema.optional(),
  })
  .strict();

/**
 * The admin key's public halves, oldest first: each one after the first is signed by the one before
 * it, so a slot that pinned an older admin key (inside its password-encrypted part) can follow
 * rotations to the current one, and nobody without an admin key can add a link (docs/security-decisions.md).
 */
const adminChainSchema = z
  .object({
    keys: z
      .array(z.object({ publicKey: z.string(), signature: z.string().nullable() }).strict())
      .min(1)
      .max(10_000),
  })
  .strict();

export type AdminChain = z.infer<typeof adminChainSchema>;

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
    /**
     * The admin key chain ("authority": the file names no user, and no role either). Absent in
     * stores made before the admin key (the first admin sign-in adds it).
     */
    authority: adminChainSchema.optional(),
    mac: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export type KeyslotFile = z.infer<typeof keyslotFileSchema>;
export type Slot = z.infer<typeof slotSchema>;
type RecoverySlot = z.infer<typeof recoverySchema>;

const PRIVATE_AAD = (id: string) => `airgap-runner/keyslot/v1/private/${id}`;
const KEYS_CONTEXT = (id: string) => `airgap-runner/keyslot/v1/keys/${id}`;
const VAULT_CONTEXT = (id: string) => `airgap-runner/keyslot/v1/vault/${id}`;
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

/**
 * What the password (or recovery key) encrypts: the slot's X25519 private key and, since the admin
 * key, the admin public key this slot trusts (its pin). Only someone who knows the password can
 * write it, so another user who holds the data key cannot re-pin this slot to a key of their own.
 * Slots written before the admin key hold the bare PKCS#8 DER (it starts with 0x30, never "{").
 */
function privatePart(privateKey: Buffer, pin: string | null): Buffer {
  if (pin === null) return Buffer.from(privateKey);
  return Buffer.from(JSON.stringify({ v: 2, x: privateKey.toString('base64'), pin }), 'utf8');
}

function parsePrivatePart(plain: Buffer): { privateKey: Buffer; pin: string | null } {
  if (plain[0] !== 0x7b) return { privateKey: plain, pin: null };
  const parsed = z
    .object({ v: z.literal(2), x: z.string(), pin: z.string() })
    .strict()
    .parse(JSON.parse(plain.toString('utf8')));
  plain.fill(0);
  return { privateKey: Buffer.from(parsed.x, 'base64'), pin: parsed.pin };
}

/** Creates a user slot: a fresh key pair, its private half (and the admin key pin) wrapped by the password. */
export async function createSlot(
  id: string,
  password: string,
  ring: Keyring,
  names: readonly KeyName[],
  cost?: { N: number; r: number; p: number },
  pin: string | null = null,
): Promise<Slot> {
  const kdf = newScryptParams(cost);
  const kek = await scryptKey(password, kdf);
  const pair = newX25519();
  const plain = privatePart(pair.privateKey, pin);
  const slot: Slot = {
    id,
    kdf,
    publicKey: pair.publicKey,
    privateKey: aesGcmEncrypt(kek, plain, PRIVATE_AAD(id)),
    keys: sealTo(pair.publicKey, serialiseKeyring(ring, names), KEYS_CONTEXT(id)),
  };
  kek.fill(0);
  plain.fill(0);
  pair.privateKey.fill(0);
  return slot;
}

/** Re-pins a slot to another admin public key (the chain moved on); needs the password. */
export async function repinSlot(slot: Slot, password: string, pin: string): Promise<Slot | null> {
  const kek = await scryptKey(password, slot.kdf);
  try {
    const plain = aesGcmDecrypt(kek, slot.privateKey, PRIVATE_AAD(slot.id));
    if (!plain) return null;
    const part = parsePrivatePart(plain);
    const next = privatePart(part.privateKey, pin);
    part.privateKey.fill(0);
    const out = { ...slot, privateKey: aesGcmEncrypt(kek, next, PRIVATE_AAD(slot.id)) };
    next.fill(0);
    return out;
  } finally {
    kek.fill(0);
  }
}

/** Seals a (new) key set to an existing slot's public key: no password needed. */
export function regrantSlot(slot: Slot, ring: Keyring, names: readonly KeyName[]): Slot {
  const { vault: _older, ...rest } = slot;
  return { ...rest, keys: sealTo(slot.publicKey, serialiseKeyring(ring, names), KEYS_CONTEXT(slot.id)) };
}

/** Seals a new vault key alone to a slot that holds the vault key (no other key needed to grant it). */
export function regrantVault(slot: Slot, vaultKey: Buffer): Slot {
  return { ...slot, vault: sealTo(slot.publicKey, Buffer.from(vaultKey), VAULT_CONTEXT(slot.id)) };
}

export interface OpenedSlot {
  ring: Keyring;
  /** The admin public key this slot trusts; null for a slot written before the admin key. */
  pin: string | null;
}

export async function openSlot(slot: Slot, password: string): Promise<Keyring | null> {
  return (await openSlotWithPin(slot, password))?.ring ?? null;
}

export async function openSlotWithPin(slot: Slot, password: string): Promise<OpenedSlot | null> {
  return openWithKek(await scryptKey(password, slot.kdf), slot, slot.id);
}

/** Opens a slot's private part with its key-encryption key (wiped here), then its key boxes. */
function openWithKek(kek: Buffer, slot: Slot | RecoverySlot, id: string): OpenedSlot | null {
  const plain = aesGcmDecrypt(kek, slot.privateKey, PRIVATE_AAD(id));
  kek.fill(0);
  if (!plain) return null;
  const { privateKey, pin } = parsePrivatePart(plain);
  const keys = openSealed(privateKey, slot.publicKey, slot.keys, KEYS_CONTEXT(id));
  const vault = slot.vault ? openSealed(privateKey, slot.publicKey, slot.vault, VAULT_CONTEXT(id)) : null;
  privateKey.fill(0);
  if (!keys) return null;
  const ring = parseKeyring(keys);
  if (vault && ring.vault) {
    ring.vault.fill(0);
    ring.vault = vault;
  }
  return { ring, pin };
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

/** The recovery slot holds every key the store has (the admin key once the store is sealed). */
function recoveryNames(ring: Keyring): KeyName[] {
  return ring.admin ? ['data', 'vault', 'audit', 'admin'] : ['data', 'vault', 'audit'];
}

export function createRecoverySlot(recoveryBytes: Buffer, ring: Keyring): RecoverySlot {
  const kdf = { name: 'hkdf-sha256' as const, salt: randomBytes(16).toString('base64') };
  const kek = recoveryKek(recoveryBytes, kdf.salt);
  const pair = newX25519();
  const plain = privatePart(pair.privateKey, ring.admin ? ed25519PublicOf(ring.admin) : null);
  const slot: RecoverySlot = {
    kdf,
    publicKey: pair.publicKey,
    privateKey: aesGcmEncrypt(kek, plain, PRIVATE_AAD(RECOVERY_ID)),
    keys: sealTo(pair.publicKey, serialiseKeyring(ring, recoveryNames(ring)), KEYS_CONTEXT(RECOVERY_ID)),
  };
  kek.fill(0);
  plain.fill(0);
  pair.privateKey.fill(0);
  return slot;
}

export function regrantRecoveryVault(slot: RecoverySlot, vaultKey: Buffer): RecoverySlot {
  return { ...slot, vault: sealTo(slot.publicKey, Buffer.from(vaultKey), VAULT_CONTEXT(RECOVERY_ID)) };
}

export function regrantRecovery(slot: RecoverySlot, ring: Keyring): RecoverySlot {
  const { vault: _older, ...rest } = slot;
  return { ...rest, keys: sealTo(slot.publicKey, serialiseKeyring(ring, recoveryNames(ring)), KEYS_CONTEXT(RECOVERY_ID)) };
}

export function openRecovery(slot: RecoverySlot, recoveryBytes: Buffer): Keyring | null {
  return openRecoveryWithPin(slot, recoveryBytes)?.ring ?? null;
}

export function openRecoveryWithPin(slot: RecoverySlot, recoveryBytes: Buffer): OpenedSlot | null {
  return openWithKek(recoveryKek(recoveryBytes, slot.kdf.salt), slot, RECOVERY_ID);
}

// --- The admin key chain ---

const LINK_MESSAGE = (index: number, publicKey: string) => Buffer.from(`airgap-runner/admin-key/v1\n${index}\n${publicKey}`, 'utf8');

export function newAdminChain(adminSeed: Buffer): AdminChain {
  return { keys: [{ publicKey: ed25519PublicOf(adminSeed), signature: null }] };
}

/** Appends the next admin key, signed by the current one. */
export function extendAdminChain(chain: AdminChain, currentSeed: Buffer, nextSeed: Buffer): AdminChain {
  const publicKey = ed25519PublicOf(nextSeed);
  const index = chain.keys.length;
  return { keys: [...chain.keys, { publicKey, signature: ed25519Sign(currentSeed, LINK_MESSAGE(index, publicKey)) }] };
}

export function currentAdminKey(chain: AdminChain): string {
  return chain.keys[chain.keys.length - 1]!.publicKey;
}

/**
 * Follows the chain from a pinned admin key to the current one; every link after the pin must be
 * signed by the key before it. Returns false when the pin is not in the chain or a link is forged.
 */
export function chainReaches(chain: AdminChain, pin: string): boolean {
  const start = chain.keys.findIndex((k) => k.publicKey === pin);
  if (start < 0) return false;
  for (let i = start + 1; i < chain.keys.length; i++) {
    const link = chain.keys[i]!;
    if (!link.signature || !ed25519Verify(chain.keys[i - 1]!.publicKey, LINK_MESSAGE(i, link.publicKey), link.signature)) return false;
  }
  return true;
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
