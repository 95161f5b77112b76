/**
 * Keys on a PKCS#11 token (HSM, smart card, YubiKey; softhsm2 in the tests) through pkcs11js. An EC
 * P-256 key made on the token (sensitive, not extractable) signs SHA-256 digests we compute: the key
 * never leaves the token. The PIN is given for each use and never kept; our own throttle (pin-guard)
 * runs before every login, because many tokens do not slow a guesser down.
 *
 * The module (a shared library) is loaded and initialised once per process and path: PKCS#11 state is
 * process-wide by the standard, so this cache mirrors what the library itself holds.
 */
// The default import: the constants are set on module.exports at load, which ESM's named-export scan does not see.
import pkcs11js from 'pkcs11js';
import { ApiError } from '../../kernel';
import type { TokenRef } from '../ssh-ca/cas';
import type { PinGuard } from './pin-guard';

/** The DER of the namedCurve OID prime256v1 (CKA_EC_PARAMS). */
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

const modules = new Map<string, pkcs11js.PKCS11>();

function moduleFor(path: string): pkcs11js.PKCS11 {
  let mod = modules.get(path);
  if (mod) return mod;
  if (!path.startsWith('/'))
    throw new ApiError('INVALID_INPUT', `The PKCS#11 module must be an absolute path to its library, not "${path}".`);
  mod = new pkcs11js.PKCS11();
  try {
    mod.load(path);
  } catch {
    throw new ApiError(
      'NOT_FOUND',
      `The PKCS#11 module ${path} could not be loaded. Check the path of the token's library (e.g. /usr/lib/softhsm/libsofthsm2.so).`,
    );
  }
  try {
    mod.C_Initialize();
  } catch (error) {
    if (!(error instanceof pkcs11js.Pkcs11Error && error.code === pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) throw error;
  }
  modules.set(path, mod);
  return mod;
}

function findSlot(mod: pkcs11js.PKCS11, label: string): Buffer {
  for (const slot of mod.C_GetSlotList(true)) {
    if (mod.C_GetTokenInfo(slot).label.trim() === label) return slot;
  }
  throw new ApiError(
    'NOT_FOUND',
    `No token labelled "${label}" is present. Insert the token, or check its label (pkcs11-tool --list-slots).`,
  );
}

/** `04 || X || Y` from CKA_EC_POINT (a DER OCTET STRING around the point, or the bare point). */
function ecPoint(raw: Buffer): Buffer {
  if (raw.length === 65 && raw[0] === 0x04) return raw;
  if (raw[0] === 0x04 && raw[1] === 65 && raw.length === 67) return raw.subarray(2);
  throw new ApiError('INVALID_INPUT', 'The token key is not an uncompressed EC P-256 key.');
}

export interface TokenKey {
  /** The uncompressed public point (65 bytes). */
  readonly point: Buffer;
  /** ECDSA over a SHA-256 digest we computed: r || s, 32 bytes each. */
  signDigest(digest: Buffer): Buffer;
  close(): void;
}

/**
 * The PKCS#11 failure, as the API reports it. A wrong PIN is INVALID_INPUT, not UNAUTHENTICATED: the
 * caller's session is fine (UNAUTHENTICATED would sign the desktop window and the CLI client out).
 */
function loginError(error: unknown, ref: TokenRef): { error: ApiError; wrongPin: boolean } | null {
  if (!(error instanceof pkcs11js.Pkcs11Error)) return null;
  if (error.code === pkcs11js.CKR_PIN_INCORRECT)
    return { error: new ApiError('INVALID_INPUT', `Wrong PIN for the token "${ref.token}".`), wrongPin: true };
  if (error.code === pkcs11js.CKR_PIN_LOCKED)
    return {
      error: new ApiError('LOCKED', `The token "${ref.token}" has locked its PIN. Its security officer must unlock it.`),
      wrongPin: false,
    };
  return null;
}

function session(ref: TokenRef, pin: string, guard: PinGuard, rw: boolean): { mod: pkcs11js.PKCS11; handle: Buffer; close(): void } {
  guard.before(ref);
  const mod = moduleFor(ref.module);
  const slot = findSlot(mod, ref.token);
  const handle = mod.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | (rw ? pkcs11js.CKF_RW_SESSION : 0));
  try {
    mod.C_Login(handle, pkcs11js.CKU_USER, pin);
  } catch (error) {
    mod.C_CloseSession(handle);
    const mapped = loginError(error, ref);
    if (mapped?.wrongPin) throw guard.failed(ref, mapped.error);
    throw mapped?.error ?? error;
  }
  guard.succeeded(ref);
  let open = true;
  return {
    mod,
    handle,
    close: () => {
      if (!open) return;
      open = false;
      try {
        mod.C_Logout(handle);
      } catch {
        // Already logged out (another session of this process logged out the token).
      }
      mod.C_CloseSession(handle);
    },
  };
}

function findOne(mod: pkcs11js.PKCS11, handle: Buffer, cls: number, label: string): Buffer | null {
  mod.C_FindObjectsInit(handle, [
    { type: pkcs11js.CKA_CLASS, value: cls },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
  try {
    const found = mod.C_FindObjects(handle, 2);
    if (found.length > 1)
      throw new ApiError('CONFLICT', `The token holds more than one key labelled "${label}"; give each key its own label.`);
    return found[0] ?? null;
  } finally {
    mod.C_FindObjectsFinal(handle);
  }
}

/** Logs in with `pin` and finds the key pair labelled `ref.keyLabel`. */
export function openTokenKey(ref: TokenRef, pin: string, guard: PinGuard): TokenKey {
  const s = session(ref, pin, guard, false);
  try {
    const priv = findOne(s.mod, s.handle, pkcs11js.CKO_PRIVATE_KEY, ref.keyLabel);
    const pub = findOne(s.mod, s.handle, pkcs11js.CKO_PUBLIC_KEY, ref.keyLabel);
    if (!priv || !pub) throw new ApiError('NOT_FOUND', `The token "${ref.token}" has no key pair labelled "${ref.keyLabel}".`);
    const [attr] = s.mod.C_GetAttributeValue(s.handle, pub, [{ type: pkcs11js.CKA_EC_POINT }]);
    const point = ecPoint(attr?.value ?? Buffer.alloc(0));
    return {
      point,
      signDigest: (digest) => {
        s.mod.C_SignInit(s.handle, { mechanism: pkcs11js.CKM_ECDSA }, priv);
        return s.mod.C_Sign(s.handle, digest, Buffer.alloc(64));
      },
      close: () => s.close(),
    };
  } catch (error) {
    s.close();
    throw error;
  }
}

/** Makes an EC P-256 key pair on the token (private half sensitive and not extractable); refuses a label already used. */
export function generateTokenKey(ref: TokenRef, pin: string, guard: PinGuard): TokenKey {
  const s = session(ref, pin, guard, true);
  try {
    if (findOne(s.mod, s.handle, pkcs11js.CKO_PRIVATE_KEY, ref.keyLabel))
      throw new ApiError(
        'CONFLICT',
        `The token "${ref.token}" already has a key labelled "${ref.keyLabel}"; pick another label, or use that key.`,
      );
    const id = Buffer.from(ref.keyLabel, 'utf8');
    s.mod.C_GenerateKeyPair(
      s.handle,
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: ref.keyLabel },
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_EC_PARAMS, value: P256_PARAMS },
        { type: pkcs11js.CKA_VERIFY, value: true },
      ],
      [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: ref.keyLabel },
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_SIGN, value: true },
      ],
    );
  } finally {
    s.close();
  }
  return openTokenKey(ref, pin, guard);
}
