import { AuthLayout } from '../../components/AuthLayout';
import { TotpEnrol } from './TotpEnrol';

/**
 * Shown right after sign-in when a role requires TOTP and this user has not enrolled yet: the core
 * allows nothing else until the enrolment is confirmed (docs/identity.md, "Offline TOTP").
 */
export function EnrolTotpScreen({ name, onEnrolled, onSignOut }: { name: string; onEnrolled: () => void; onSignOut: () => void }) {
  return (
    <AuthLayout
      wide
      title="Set up two-step sign-in"
      intro={
        <p>
          One of your roles requires a code from an authenticator app at every sign-in, {name}. Set it up now; you can do nothing else
          first.
        </p>
      }
    >
      <TotpEnrol startLabel="Set up an authenticator app" onDone={onEnrolled} />
      <button type="button" className="btn btn-ghost btn-block" onClick={onSignOut}>
        Sign out
      </button>
    </AuthLayout>
  );
}
