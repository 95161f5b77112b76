/**
 * Opening keys on PKCS#11 tokens for a call: the PIN comes with the call (the desktop's PIN dialog,
 * the CLI's prompt), goes through our throttle (wrong PINs counted in the store) and is never kept.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { IdentityToken } from '../../audit';
import { openTokenKey, storePinGuard, tokenDerSignature, tokenSshSigner, type TokenSignerOpener } from '../../vault';
import type { Core } from '../core';

export function pinGuardOf(core: Core, db: Database) {
  return storePinGuard(db, () => core.clock.now());
}

/** Opens a token SSH CA's signer with `pin` (undefined: no PIN given, the caller says so). */
export function sshTokenOpener(core: Core, db: Database, pin: string | undefined): TokenSignerOpener | undefined {
  if (!pin) return undefined;
  return (ca) => tokenSshSigner(openTokenKey(ca.token!, pin, pinGuardOf(core, db)));
}

/**
 * The audit identity's token signer with `pin`. The key is opened for one signature at a time and
 * closed after it, so nothing stays logged in.
 */
export function auditTokenOpener(
  core: Core,
  db: Database,
  pin: string | undefined,
): ((token: IdentityToken) => (data: Buffer) => Buffer) | undefined {
  if (!pin) return undefined;
  return (token) => {
    // Log in now, so a wrong PIN is refused before any work; the session is reused for the signature.
    const key = openTokenKey(token, pin, pinGuardOf(core, db));
    return (data) => {
      try {
        return tokenDerSignature(key, data);
      } finally {
        key.close();
      }
    };
  };
}
