/**
 * What each domain re-encrypts when the vault and audit keys rotate (a user removed or a role
 * lost), and how each re-signs its authorization state with a new admin key (rotation, sealing a
 * store made before the admin key, a new store). Registered on every store this core opens. Add a
 * domain's hooks here: a sealed table without a reseal hook fails VERIFY_FAILED after a rotation.
 */
import { sealSettings, type ResealHook, type RotationHook } from '../store';
import { reencryptIdentity } from '../audit';
import { resealVault, sealPurposes, sealSshCas, sealSshGrants } from '../vault';
import { resealNodes, sealNodes } from '../nodes';
import { reencryptTotp, sealIdentityConfig, sealTotpRequirements, sealUsers } from '../identity';
import { sealPolicy, sealRevocations, sealTrustKeys } from '../bundles';
import { resealSchedules, sealNetworks } from '../runner';
import { sealPatterns } from '../egress';

export const ROTATION_HOOKS: readonly RotationHook[] = [reencryptIdentity, resealVault, resealNodes, resealSchedules, reencryptTotp];

export const RESEAL_HOOKS: readonly ResealHook[] = [
  sealUsers,
  sealSettings,
  sealTrustKeys,
  sealPolicy,
  sealRevocations,
  sealNetworks,
  sealPatterns,
  sealPurposes,
  sealNodes,
  sealSshCas,
  sealSshGrants,
  sealTotpRequirements,
  sealIdentityConfig,
];
