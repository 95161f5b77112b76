/**
 * The signed-in screens. Adding a screen is one file in screens/ and one line here; navigation
 * shows a screen only when the user's permissions allow it (the API refuses anyway).
 */
import type { ComponentType } from 'react';
import type { Permission } from '../../src/api/contract';
import type { IconName } from './components/Icon';
import { DashboardScreen } from './screens/Dashboard';
import { UsersScreen } from './screens/Users';
import { SettingsScreen } from './screens/Settings';
import { AuditScreen } from './screens/Audit';
import { BackupScreen } from './screens/Backup';
import { AccountScreen } from './screens/Account';
import { CatalogScreen } from './screens/Catalog';
import { ImportScreen } from './screens/Import';
import { RunsScreen } from './screens/Runs';
import { VaultScreen } from './screens/Vault';
import { TrustScreen } from './screens/Trust';
import { AuditExportScreen } from './screens/AuditExport';
import { VerifyScreen } from './screens/Verify';
import { IdentityScreen } from './screens/Identity';
import { IssuesScreen } from './screens/Issues';
import { RetentionScreen } from './screens/Retention';
import { RedactScreen } from './screens/Redact';

export interface Route {
  id: string;
  label: string;
  icon: IconName;
  permission: Permission;
  component: ComponentType;
  /** Shown under "Administration" rather than with the daily screens. */
  group: 'work' | 'admin' | 'me';
}

export const ROUTES: readonly Route[] = [
  { id: 'dashboard', label: 'Dashboard', icon: 'dashboard', permission: 'signedIn', component: DashboardScreen, group: 'work' },
  { id: 'catalog', label: 'Catalog', icon: 'catalog', permission: 'signedIn', component: CatalogScreen, group: 'work' },
  { id: 'import', label: 'Import', icon: 'import', permission: 'bundles.import', component: ImportScreen, group: 'work' },
  { id: 'runs', label: 'Runs', icon: 'runs', permission: 'signedIn', component: RunsScreen, group: 'work' },
  { id: 'issues', label: 'Issues', icon: 'issues', permission: 'signedIn', component: IssuesScreen, group: 'work' },
  { id: 'vault', label: 'Vault', icon: 'vault', permission: 'vault.manage', component: VaultScreen, group: 'work' },
  { id: 'redact', label: 'Redaction preview', icon: 'shield', permission: 'redact.preview', component: RedactScreen, group: 'work' },
  { id: 'audit', label: 'Audit trail', icon: 'audit', permission: 'audit.read', component: AuditScreen, group: 'work' },
  { id: 'audit-export', label: 'Audit export', icon: 'export', permission: 'audit.read', component: AuditExportScreen, group: 'work' },
  { id: 'verify', label: 'Verify audit bundles', icon: 'verify', permission: 'signedIn', component: VerifyScreen, group: 'work' },
  { id: 'trust', label: 'Trust and policy', icon: 'shield', permission: 'signedIn', component: TrustScreen, group: 'admin' },
  { id: 'identity', label: 'Signing identity', icon: 'key', permission: 'signedIn', component: IdentityScreen, group: 'admin' },
  { id: 'users', label: 'Users and roles', icon: 'users', permission: 'users.manage', component: UsersScreen, group: 'admin' },
  { id: 'settings', label: 'Settings', icon: 'settings', permission: 'settings.manage', component: SettingsScreen, group: 'admin' },
  { id: 'backup', label: 'Backup', icon: 'backup', permission: 'backup.manage', component: BackupScreen, group: 'admin' },
  { id: 'retention', label: 'Retention', icon: 'clock', permission: 'settings.manage', component: RetentionScreen, group: 'admin' },
  { id: 'account', label: 'My account', icon: 'account', permission: 'signedIn', component: AccountScreen, group: 'me' },
];

export const DEFAULT_ROUTE = 'dashboard';

export function routeFromHash(hash: string): string {
  const id = hash.replace(/^#\/?/, '').split('/')[0];
  return id || DEFAULT_ROUTE;
}

/** What follows the screen id (`#/runs/r-abc` -> `r-abc`), decoded; '' when nothing does. */
export function routeParam(hash: string): string {
  const rest = hash.replace(/^#\/?/, '').split('/').slice(1).join('/');
  try {
    return decodeURIComponent(rest);
  } catch {
    return '';
  }
}
