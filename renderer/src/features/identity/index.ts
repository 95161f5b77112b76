/** Who is at the keyboard: first-run setup, sign-in, the lock, passwords, users and roles. */
export { SetupScreen } from './Setup';
export { RecoveryKeyScreen } from './RecoveryKey';
export { SignInScreen } from './SignIn';
export { LockScreen } from './Lock';
export { ChangePasswordScreen } from './ChangePassword';
export { AccountScreen } from './Account';
export { UsersScreen } from './Users';
export { SignInSettingsScreen } from './SignInSettings';
export { roleList } from './roles';
export { EnrolTotpScreen } from './EnrolTotp';
export { UnsealScreen } from './Unseal';
