/** The site's settings, backup and retention (administration). */
export { SettingsScreen, settingLabel } from './Settings';
export { BackupScreen } from './Backup';
export { RetentionScreen } from './Retention';
