/** Keys on PKCS#11 tokens: the SSH CA and the audit signing identity can live there (docs/credentials.md). */
export { openTokenKey, generateTokenKey, type TokenKey } from './token';
export { storePinGuard, pinWaitMs, FREE_TRIES, type PinGuard } from './pin-guard';
export { tokenSshSigner, tokenDerSignature, p256Spki, ecdsaSshBlob } from './signers';
