/**
 * What each domain re-encrypts when the vault and audit keys rotate (a user removed or a role
 * lost). Registered on every store this core opens. Add a domain's hook here.
 */
import type { RotationHook } from '../store';
import { reencryptIdentity } from '../audit';
import { resealVault } from '../vault';
import { resealNodes } from '../nodes';

export const ROTATION_HOOKS: readonly RotationHook[] = [reencryptIdentity, resealVault, resealNodes];
