/**
 * The LLM API key: a vault item the settings name and an admin bound to the `llm` purpose, opened
 * only to be sent in the Authorization header and zeroed after the call. (The vault values masked in the prompt are opened by the
 * redactor itself: src/egress, `redactorFor(…, { vaultKey })`.)
 */
import { ApiError, type ReadonlyDb } from '../kernel';
import { VaultItems, hasPurpose } from '../vault';

/** The API key from the vault item the settings name; null when none is named. */
export function openApiKey(db: ReadonlyDb, vaultKey: Buffer | undefined, item: string | null): Buffer | null {
  if (!item) return null;
  if (!vaultKey)
    throw new ApiError(
      'FORBIDDEN',
      'Your session holds no vault key, so the LLM API key cannot be opened. Admins and operators summarise runs.',
    );
  if (!hasPurpose(db, item, 'llm')) {
    throw new ApiError(
      'POLICY_DENIED',
      `The vault item "${item}" (named as the LLM endpoint's API key) is not bound to the LLM purpose, so it is not sent anywhere. An admin binds it to that purpose if it really is the LLM API key.`,
    );
  }
  const value = new VaultItems(db).open(vaultKey, item);
  if (value === undefined) {
    throw new ApiError(
      'INVALID_INPUT',
      `The vault has no item "${item}" (named as the LLM endpoint's API key). Add the API key to the vault under that name, or an admin clears the setting if the endpoint needs no key.`,
    );
  }
  if (!value)
    throw new ApiError('VERIFY_FAILED', `The vault item "${item}" does not open with your vault key. Replace its value in the vault.`);
  return value;
}
