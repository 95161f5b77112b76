import { AuthLayout } from '../../components/AuthLayout';
import { PasswordChangeForm } from './PasswordChangeForm';

/** Forced after an admin created the account or reset its password: nothing else is allowed until done. */
export function ChangePasswordScreen({ name, onChanged, onSignOut }: { name: string; onChanged: () => void; onSignOut: () => void }) {
  return (
    <AuthLayout
      title="Choose a new password"
      intro={
        <p>
          Welcome, <strong>{name}</strong>. An administrator set your current password, so only you should know the next one. Choose a new
          password to continue.
        </p>
      }
    >
      <PasswordChangeForm currentLabel="Password you were given" submitLabel="Change password and continue" onChanged={onChanged} />
      <button type="button" className="btn btn-ghost btn-block" onClick={onSignOut}>
        Sign out
      </button>
    </AuthLayout>
  );
}
