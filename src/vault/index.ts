/** The vault: secrets sealed under the vault key, bound to bundles, mounted for one run (ARCHITECTURE.md). */
export { MAX_VAULT_ITEM_BYTES, VaultItems, needVaultKey, openItem, sealItem, type VaultItemInfo } from './items';
export { secretRoot, writeRunSecrets, removeRunSecrets, sweepSecretFolders, listSecretFolders, type SecretRoot } from './mount';
export { resealVault } from './rotation';
export { VAULT_PURPOSES, hasPurpose, listPurposes, sealPurposes, setPurpose, type VaultPurpose } from './purposes';
export * from './ssh-ca';
export * from './pkcs11';
