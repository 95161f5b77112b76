/**
 * Page objects: one per screen, card or dialog, one per file, each a BasePage. Tests read like an
 * operator's steps and find things the way the operator does, by role, label and text; no CSS class
 * or id locators (renderer-source.test.ts checks).
 */
export { BasePage } from './base-page';
export { ALL_SCREENS, ShellPage, type ScreenName } from './shell-page';
export { SetupPage } from './setup-page';
export { RecoveryKeyPage } from './recovery-key-page';
export { SignInPage } from './sign-in-page';
export { ChangePasswordPage } from './change-password-page';
export { LockPage } from './lock-page';
export { DashboardPage } from './dashboard-page';
export { CatalogPage } from './catalog-page';
export { ImportPage } from './import-page';
export { RunFormDialog } from './run-form-dialog';
export { RunsPage } from './runs-page';
export { RunPage } from './run-page';
export { RunSummaryCard } from './run-summary-card';
export { IssuesPage } from './issues-page';
export { VaultPage } from './vault-page';
export { RedactPage } from './redact-page';
export { AuditPage } from './audit-page';
export { AuditExportPage } from './audit-export-page';
export { VerifyPage } from './verify-page';
export { TrustPage } from './trust-page';
export { SigningIdentityPage } from './signing-identity-page';
export { UsersPage } from './users-page';
export { SignInSettingsPage } from './sign-in-settings-page';
export { SettingsPage } from './settings-page';
export { LlmSettingsCard } from './llm-settings-card';
export { BackupPage } from './backup-page';
export { RetentionPage } from './retention-page';
export { SshCaPage } from './ssh-ca-page';
export { ConfirmDialog } from './confirm-dialog';
export { PinDialogPage } from './pin-dialog';
export { NodesPage } from './nodes-page';
export { HelpPage } from './help-page';
export { TotpEnrolPage } from './totp-card';
export { HealthPage } from './health-page';
export { EnterpriseSignInPage } from './enterprise-sign-in-page';
export { IdpLoginPage } from './idp-login-page';
export { UnsealPage } from './unseal-page';
