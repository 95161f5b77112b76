/**
 * Capabilities of each role, exactly the roles table of ARCHITECTURE.md. Every check is made
 * by the dispatcher, once, from this table; the UI only hides what the API would refuse.
 */
import type { Role } from '../identity/model';

export const PERMISSIONS = [
  /** Sign in, change own password; see catalog, runs, issues, reports, logs. */
  'signedIn',
  'users.manage',
  'settings.manage',
  'trust.manage',
  'bundles.import',
  'runs.start',
  'runs.approve',
  'runs.cancelAny',
  'vault.manage',
  'audit.read',
  'audit.export',
  'backup.manage',
  /** Send a run's redacted data to the site's LLM endpoint (docs/llm.md). */
  'runs.summarise',
  /** Write a redacted run report to a file (an egress: docs/redaction.md). */
  'runs.export',
  /** Preview what an egress path lets leave; see the site's patterns. */
  'redact.preview',
  /** Add and remove site redaction patterns. */
  'redact.manage',
  /** Enrol, re-pin and remove remote engine nodes (docs/remote-engines.md). */
  'nodes.manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** `public` operations need no session (status, first-run setup, sign-in, recovery, restore). */
export type Access = Permission | 'public';

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: [
    'signedIn',
    'users.manage',
    'settings.manage',
    'trust.manage',
    'runs.approve',
    'runs.cancelAny',
    'vault.manage',
    'audit.read',
    'backup.manage',
    'runs.summarise',
    'runs.export',
    'redact.preview',
    'redact.manage',
    'nodes.manage',
  ],
  operator: [
    'signedIn',
    'bundles.import',
    'runs.start',
    'runs.approve',
    'vault.manage',
    'runs.summarise',
    'runs.export',
    'redact.preview',
    'redact.manage',
  ],
  auditor: ['signedIn', 'audit.read', 'audit.export', 'redact.preview'],
  viewer: ['signedIn'],
};

export function rolesAllow(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role].includes(permission));
}

export function permissionsOf(roles: readonly Role[]): Permission[] {
  return PERMISSIONS.filter((p) => rolesAllow(roles, p));
}
