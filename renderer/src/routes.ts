/**
 * The signed-in screens. Adding a screen is one file in its feature folder (features/<feature>/),
 * exported from the feature's index.ts, and one line here; navigation shows a screen only when the
 * user's permissions allow it (the API refuses anyway). Screens never import this table: what they
 * need of the location is in navigation.ts.
 */
import type { ComponentType } from 'react';
import type { Permission } from './api/contract';
import type { IconName } from './components/Icon';
import { DashboardScreen } from './features/dashboard';
import { CatalogScreen, ImportScreen } from './features/catalog';
import { IssuesScreen, RunsScreen } from './features/runs';
import { VaultScreen } from './features/vault';
import { RedactScreen } from './features/redact';
import { AuditExportScreen, AuditScreen, SigningIdentityScreen, VerifyScreen } from './features/audit';
import { TrustScreen } from './features/trust';
import { AccountScreen, SignInSettingsScreen, UsersScreen } from './features/identity';
import { BackupScreen, RetentionScreen, SettingsScreen } from './features/settings';
import { HelpScreen } from './features/help';
import { SshCaScreen } from './features/sshca';
import { HealthScreen } from './features/health';
import { NodesScreen } from './features/nodes';

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
  { id: 'health', label: 'Health', icon: 'health', permission: 'signedIn', component: HealthScreen, group: 'work' },
  { id: 'vault', label: 'Vault', icon: 'vault', permission: 'vault.manage', component: VaultScreen, group: 'work' },
  { id: 'redact', label: 'Redaction preview', icon: 'shield', permission: 'redact.preview', component: RedactScreen, group: 'work' },
  { id: 'audit', label: 'Audit trail', icon: 'audit', permission: 'audit.read', component: AuditScreen, group: 'work' },
  { id: 'audit-export', label: 'Audit export', icon: 'export', permission: 'audit.read', component: AuditExportScreen, group: 'work' },
  { id: 'verify', label: 'Verify audit bundles', icon: 'verify', permission: 'signedIn', component: VerifyScreen, group: 'work' },
  { id: 'trust', label: 'Trust and policy', icon: 'shield', permission: 'signedIn', component: TrustScreen, group: 'admin' },
  { id: 'identity', label: 'Signing identity', icon: 'key', permission: 'signedIn', component: SigningIdentityScreen, group: 'admin' },
  { id: 'users', label: 'Users and roles', icon: 'users', permission: 'users.manage', component: UsersScreen, group: 'admin' },
  {
    id: 'sign-in',
    label: 'Sign-in and identity',
    icon: 'key',
    permission: 'users.manage',
    component: SignInSettingsScreen,
    group: 'admin',
  },
  { id: 'settings', label: 'Settings', icon: 'settings', permission: 'settings.manage', component: SettingsScreen, group: 'admin' },
  { id: 'backup', label: 'Backup', icon: 'backup', permission: 'backup.manage', component: BackupScreen, group: 'admin' },
  { id: 'retention', label: 'Retention', icon: 'clock', permission: 'settings.manage', component: RetentionScreen, group: 'admin' },
  { id: 'ssh-ca', label: 'SSH certificate authority', icon: 'key', permission: 'settings.manage', component: SshCaScreen, group: 'admin' },
  { id: 'nodes', label: 'Nodes', icon: 'nodes', permission: 'nodes.manage', component: NodesScreen, group: 'admin' },
  { id: 'account', label: 'My account', icon: 'account', permission: 'signedIn', component: AccountScreen, group: 'me' },
  { id: 'help', label: 'Help', icon: 'help', permission: 'signedIn', component: HelpScreen, group: 'me' },
];
