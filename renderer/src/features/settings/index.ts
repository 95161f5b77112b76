/** The site's settings, backup and retention (administration). */
export { SettingsScreen } from './Settings';
export { BackupScreen } from './Backup';
export { RetentionScreen } from './Retention';
