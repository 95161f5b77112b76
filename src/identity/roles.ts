import type { KeyName } from '../store';
import { ROLES, type Role } from './model';

export { ROLES, type Role };

/** Which keys each role may hold (THREAT_MODEL.md): a viewer's slot never unwraps vault, audit or admin keys. */
const ROLE_KEYS: Record<Role, readonly KeyName[]> = {
  admin: ['data', 'vault', 'audit', 'admin'],
  operator: ['data', 'vault'],
  auditor: ['data', 'audit'],
  viewer: ['data'],
};

export function keysForRoles(roles: readonly Role[]): KeyName[] {
  const names = new Set<KeyName>(['data']);
  for (const role of roles) for (const k of ROLE_KEYS[role]) names.add(k);
  return (['data', 'vault', 'audit', 'admin'] as const).filter((k) => names.has(k));
}

export function normaliseRoles(roles: readonly Role[]): Role[] {
  return ROLES.filter((r) => roles.includes(r));
}
