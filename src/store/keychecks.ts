/**
 * The checks an opening must pass before its keys are used (THREAT_MODEL.md, "Key hierarchy"):
 * the keyslot file against the generation and MAC the database recorded, the slot's vault and
 * audit keys against the sealed key checks, and the admin key against the slot's pin.
 */
import { ApiError } from '../kernel';
import { aesGcmDecrypt, aesGcmEncrypt, ed25519PublicOf, type Sealed } from './crypto';
import type { Db } from './database';
import type { Keyring } from './keyring';
import { chainReaches, currentAdminKey, type KeyslotFile, type OpenedSlot } from './keyslots';
import { getMetaFrom, setMetaIn } from './meta';
import { checkSeal, writeSeal, type Signer } from './seals';

const KEY_CHECKS_SCOPE = 'store.keyChecks';
const VAULT_LINK_AAD = 'airgap-runner/vault-link/v1';

/** Records which vault or audit key is current: a known plaintext under it. */
export function writeKeyCheck(db: Db, name: 'vault' | 'audit', key: Buffer): void {
  setMetaIn(db, `${name}_check`, JSON.stringify(aesGcmEncrypt(key, Buffer.from(name), `airgap-runner/key-check/${name}`)));
}

/** The new vault key carries the old one, so a slot's vault key can be traced back to the one an admin sealed. */
export function addVaultLink(db: Db, newVault: Buffer, oldVault: Buffer): void {
  const links = JSON.parse(getMetaFrom(db, 'vault_links') ?? '[]') as Sealed[];
  links.push(aesGcmEncrypt(newVault, oldVault, VAULT_LINK_AAD));
  setMetaIn(db, 'vault_links', JSON.stringify(links));
}

/** Records the keyslot file's generation and MAC, so an older or altered copy is detected. */
export function recordFile(db: Db, file: KeyslotFile): void {
  setMetaIn(db, 'keyslots_generation', String(file.generation));
  setMetaIn(db, 'keyslots_mac', file.mac);
}

/**
 * Which admin key this opening trusts (THREAT_MODEL.md, the admin key): the key its slot pins,
 * followed along the signed chain to the current one. A slot written before the admin key (no pin)
 * takes the current key on first use and is pinned at once. Returns whether the slot needs re-pinning.
 */
export function checkAdminKey(file: KeyslotFile, opened: OpenedSlot): { repin: boolean } {
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

/** Detects an older or foreign keyslot file by the generation and MAC the database recorded. */
export function crossCheckFile(db: Db, file: KeyslotFile): void {
  const recordedGeneration = Number(getMetaFrom(db, 'keyslots_generation'));
  const recordedMac = getMetaFrom(db, 'keyslots_mac');
  if (file.generation < recordedGeneration) {
    throw new ApiError(
      'VERIFY_FAILED',
      `The keyslot file is an older copy (generation ${file.generation}; the database expects ${recordedGeneration}). Someone may have put back an old file to revive a removed password. Nothing was changed; restore the current keyslots.json or a backup.`,
    );
  }
  if (file.generation === recordedGeneration && recordedMac !== file.mac) {
    throw new ApiError(
      'VERIFY_FAILED',
      'The keyslot file does not match the one this database recorded. Nothing was changed; restore the current keyslots.json or a backup.',
    );
  }
  if (file.generation > recordedGeneration) {
    // The file was written and the process stopped before the database recorded it.
    db.transaction(() => recordFile(db, file))();
  }
}

/** A slot holding stale vault or audit keys is refused rather than producing garbage later. */
export function checkKeys(db: Db, ring: Keyring, sealed: boolean): void {
  checkSeal(db, KEY_CHECKS_SCOPE, 'the vault and audit key checks', keyCheckRows(db));
  if (ring.vault && sealed) traceVaultKey(db, ring.vault);
  for (const name of ['vault', 'audit'] as const) {
    const key = ring[name];
    if (!key) continue;
    const check = JSON.parse(getMetaFrom(db, `${name}_check`)!);
    if (!aesGcmDecrypt(key, check, `airgap-runner/key-check/${name}`)) {
      throw new ApiError(
        'VERIFY_FAILED',
        `Your keyslot holds an outdated ${name} key. Ask an admin to re-grant your roles, or use the recovery key.`,
      );
    }
  }
}

function keyCheckRows(db: Db): Map<string, unknown> {
  return new Map([
    ['vault_anchor', getMetaFrom(db, 'vault_anchor') ?? null],
    ['audit_check', getMetaFrom(db, 'audit_check') ?? null],
  ]);
}

/**
 * The key checks are sealed too: a slot's key box is sealed to its public key, which anyone can do,
 * so without this a user holding only the data key could give another user's slot a vault key of
 * their own choosing (and read what that user stores next). The vault key an admin last saw is the
 * anchor; a user's own password change adds a link (the new key encrypting the old one).
 */
export function sealKeyChecks(db: Db, signer: Signer): void {
  setMetaIn(db, 'vault_anchor', getMetaFrom(db, 'vault_check')!);
  setMetaIn(db, 'vault_links', '[]');
  writeSeal(db, KEY_CHECKS_SCOPE, keyCheckRows(db), signer, new Date().toISOString());
}

/** Follows the links from a slot's vault key back to the sealed anchor; VERIFY_FAILED if they do not lead there. */
function traceVaultKey(db: Db, vault: Buffer): void {
  const links = JSON.parse(getMetaFrom(db, 'vault_links') ?? '[]') as Sealed[];
  const anchor = JSON.parse(getMetaFrom(db, 'vault_anchor') ?? 'null') as Sealed | null;
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
