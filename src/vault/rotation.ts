/** Rotation hook (src/api/rotation-hooks.ts): every vault item and vault SSH CA key is re-sealed from the old vault key to the new one, in the rotation's transaction. */
import type { RotationHook } from '../store';
import { VaultItems } from './items';
import { SshCas } from './ssh-ca/cas';

export const resealVault: RotationHook = (db, oldKeys, newKeys) => {
  if (!oldKeys.vault || !newKeys.vault) throw new Error('a key rotation without both vault keys cannot re-seal the vault');
  new VaultItems(db).reseal(oldKeys.vault, newKeys.vault);
  new SshCas(db).reseal(oldKeys.vault, newKeys.vault);
};
