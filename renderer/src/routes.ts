/**
 * The signed-in screens. Adding a screen is one file in screens/ and one line here; navigation
 * shows a screen only when the user's permissions allow it (the API refuses anyway).
 */
import type { ComponentType } from 'react';
import type { Permission } from '../../src/api/permissions';
import type { IconName } from './components/Icon';
import { DashboardScreen } from './screens/Dashboard';
import { UsersScreen } from './screens/Users';
import { SettingsScreen } from './screens/Settings';
import { AuditScreen } from './screens/Audit';
import { BackupScreen } from './screens/Backup';
import { AccountScreen } from './screens/Account';

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
  { id: 'audit', label: 'Audit trail', icon: 'audit', permission: 'audit.read', component: AuditScreen, group: 'work' },
  { id: 'users', label: 'Users and roles', icon: 'users', permission: 'users.manage', component: UsersScreen, group: 'admin' },
  { id: 'settings', label: 'Settings', icon: 'settings', permission: 'settings.manage', component: SettingsScreen, group: 'admin' },
  { id: 'backup', label: 'Backup', icon: 'backup', permission: 'backup.manage', component: BackupScreen, group: 'admin' },
  { id: 'account', label: 'My account', icon: 'account', permission: 'signedIn', component: AccountScreen, group: 'me' },
];

export const DEFAULT_ROUTE = 'dashboard';

export function routeFromHash(hash: string): string {
  const id = hash.replace(/^#\/?/, '');
  return id || DEFAULT_ROUTE;
}
