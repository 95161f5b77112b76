import { useRef, useState } from 'react';
import { useApi } from '../../api/context';
import { Card } from '../../components/PageHeader';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { StatusNotice } from '../../components/Notice';
import { MODE_LABELS, type IdentityView, type SignInMode } from './identity-words';

const MODES: readonly SignInMode[] = ['local', 'idp', 'ldap'];

function modeHint(mode: SignInMode, view: IdentityView): string {
  if (mode === 'local') return 'Each person signs in with their own password on this workstation. Roles are set here, in Users and roles.';
  if (mode === 'idp')
    return view.saml
      ? `After the password, ${view.saml.displayName} must accept the person too, with its multi-factor policy.`
      : 'After the password, the site’s identity provider must accept the person too. Import its metadata below first.';
  return view.ldap
    ? 'After the password, the person signs in to the directory with their directory password.'
    : 'After the password, the person signs in to the directory too. Set the directory up below first.';
}

/** What changes for people when the method changes, and the way back in when the IdP or directory is down. */
function ChangeText({ to, view }: { to: SignInMode; view: IdentityView }) {
  if (to === 'local') {
    return (
      <>
        <p>From the next sign-in, the local password alone signs people in. The identity provider and the directory are no longer asked.</p>
        <p>Roles stay as they are now in Users and roles; groups no longer change them.</p>
      </>
    );
  }
  const source = to === 'idp' ? (view.saml?.displayName ?? 'the identity provider') : 'the directory';
  const mapped = view.mappings.filter((m) => m.source === (to === 'idp' ? 'saml' : 'ldap')).length;
  return (
    <>
      <p>
        From the next sign-in, everyone, admins included, signs in with their password and then with {source}. Someone {source} refuses or
        has disabled cannot sign in, whatever their password. People already signed in stay signed in.
      </p>
      <p>
        {mapped > 0
          ? `Roles then follow the ${mapped} group mapping${mapped === 1 ? '' : 's'} below: a role no longer given by a group is taken away at the next sign-in (and the keys it gave are changed); a new one waits for an admin to grant it in Users and roles.`
          : 'No group is mapped to a role yet, so roles stay as set in Users and roles.'}
      </p>
      <p>
        <strong>If {source} cannot be reached, nobody can sign in.</strong> The way back in is the recovery key printed when this
        workstation was set up, with the command-line tool’s recovery command: it opens the store and puts sign-in back to local passwords.
      </p>
    </>
  );
}

export function SignInMethodCard({ view, onChanged }: { view: IdentityView; onChanged: () => Promise<void> }) {
  const api = useApi();
  const [choice, setChoice] = useState<SignInMode>(view.mode);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const applied = useRef(false);

  async function change() {
    const done = await api.call('identity.setMode', { mode: choice });
    if (!done.ok) return done.error;
    applied.current = true;
    await onChanged();
    setMessage(`Sign-in method changed to: ${MODE_LABELS[choice]}.`);
  }

  return (
    <Card title="Sign-in method">
      <form
        className="stack"
        aria-label="Sign-in method"
        onSubmit={(e) => {
          e.preventDefault();
          setMessage(null);
          setConfirming(true);
        }}
      >
        <p>
          Now: <strong>{MODE_LABELS[view.mode]}</strong>
        </p>
        <fieldset className="rows">
          <legend>How people sign in</legend>
          {MODES.map((mode) => (
            <label key={mode} className="check">
              <input type="radio" name="sign-in-mode" checked={choice === mode} onChange={() => setChoice(mode)} />
              <span>
                <span className="check-label">{MODE_LABELS[mode]}</span>
                <span className="check-hint">{modeHint(mode, view)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {message && <StatusNotice>{message}</StatusNotice>}
        <div>
          <button type="submit" className="btn btn-primary" disabled={choice === view.mode}>
            Change sign-in method…
          </button>
        </div>
      </form>
      {confirming && (
        <ConfirmDialog
          title={`Change sign-in to “${MODE_LABELS[choice]}”?`}
          confirmLabel="Change sign-in method"
          cancelLabel="Cancel"
          onConfirm={change}
          onClose={() => {
            setConfirming(false);
            // Cancelled (or refused): the choice goes back to the method in force.
            if (!applied.current) setChoice(view.mode);
            applied.current = false;
          }}
        >
          <ChangeText to={choice} view={view} />
        </ConfirmDialog>
      )}
    </Card>
  );
}
