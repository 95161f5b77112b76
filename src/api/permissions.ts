/**
 * Capabilities of each role, exactly the roles table of ARCHITECTURE.md (copied to docs/roles.md,
 * which test/unit/api/roles-table.test.ts parses and compares with ROLE_PERMISSIONS through
 * CAPABILITY_PERMISSIONS). Every check is made by the dispatcher, once, from this table; the UI only
 * hides what the API would refuse.
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
  /** Preview what the audit export's redaction rule sets let leave. */
  'audit.preview',
  'audit.export',
  'backup.manage',
  /** Send a run's redacted data to the site's LLM endpoint (docs/llm.md). */
  'runs.summarise',
  /** Write a redacted run report to a file (an egress: docs/redaction.md). */
  'runs.export',
  /** Preview what an egress path lets leave; see the site's patterns. */
  'redact.preview',
  /** Add and remove site redaction patterns (admins: authorization state, sealed with the admin key). */
  'redact.manage',
  /** Enrol, re-pin and remove remote engine nodes (docs/remote-engines.md). */
  'nodes.manage',
  /** Map pseudonyms in a reply back to the originals (local only). */
  'redact.unmap',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** `public` operations need no session (status, first-run setup, sign-in, recovery, restore). */
export type Access = Permission | 'public';

/**
 * Each row of the roles table (its capability text, as in docs/roles.md) and the permissions it
 * grants. `partial` names what a qualified mark grants (e.g. "✔ (unseal)": unsealing the service,
 * which has no permission of its own yet).
 */
export const CAPABILITY_PERMISSIONS: ReadonlyArray<{
  capability: string;
  permissions: readonly Permission[];
  partial?: Record<string, readonly Permission[]>;
}> = [
  { capability: 'sign in, change own password; see catalog, runs, issues, reports, logs, schedules, health', permissions: ['signedIn'] },
  {
    capability: 'users and roles; reset a password (forces a change, rotates keys); identity provider and MFA settings',
    permissions: ['users.manage'],
  },
  {
    capability: 'settings: engine, remote engines, mirror sources, networks, limits, LLM endpoint, retention',
    permissions: ['settings.manage', 'nodes.manage'],
  },
  {
    capability: 'trust roots, tag policy, signature requirement, revoke a bundle; site redaction patterns',
    permissions: ['trust.manage', 'redact.manage'],
  },
  { capability: 'import bundles from a mirror', permissions: ['bundles.import'] },
  { capability: 'run tasks (read-write ones need a written reason), cancel own runs; schedules', permissions: ['runs.start'] },
  { capability: "approve another operator's read-write run or schedule (when approval is required)", permissions: ['runs.approve'] },
  { capability: 'cancel any run', permissions: ['runs.cancelAny'] },
  { capability: 'vault: add, replace, remove, bind items to bundles (values never readable back); SSH CA', permissions: ['vault.manage'] },
  {
    capability: 'export a run report; AI summary of a run; redaction preview',
    permissions: ['runs.export', 'runs.summarise', 'redact.preview'],
  },
  {
    capability: 'browse audit trail and check the chain; redaction preview of the audit export',
    permissions: ['audit.read', 'audit.preview'],
  },
  { capability: 'export audit bundles; prune events an export covered', permissions: ['audit.export'] },
  { capability: 'map pseudonyms in a reply back to originals (local only)', permissions: ['redact.unmap'] },
  { capability: 'backup and restore; unseal and stop the service', permissions: ['backup.manage'], partial: { unseal: [] } },
];

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
    'audit.preview',
    'backup.manage',
    'runs.summarise',
    'runs.export',
    'redact.preview',
    'redact.manage',
    'nodes.manage',
    'redact.unmap',
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
    'redact.unmap',
  ],
  auditor: ['signedIn', 'audit.read', 'audit.preview', 'audit.export'],
  viewer: ['signedIn'],
};

export function rolesAllow(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role].includes(permission));
}

export function permissionsOf(roles: readonly Role[]): Permission[] {
  return PERMISSIONS.filter((p) => rolesAllow(roles, p));
}
