import { useOp } from '../../api/use-op';
import { PageHeader } from '../../components/PageHeader';
import { ErrorNotice } from '../../components/Notice';
import { SignInMethodCard } from './SignInMethod';
import { IdpCard } from './IdpCard';
import { DirectoryCard } from './DirectoryCard';
import { GroupMappingsCard } from './GroupMappings';

/**
 * Sign-in and identity (admin, docs/identity.md): the sign-in method, the site's SAML identity
 * provider as imported from its metadata file, the LDAP/AD directory, and which of their groups
 * give which role. The core seals all of it with the admin key and audits every change.
 */
export function SignInSettingsScreen() {
  const view = useOp('identity.show', {});
  /** Resolves once the cards show the change, so a card's notice never runs ahead of what it describes. */
  const refresh = () => view.reload();
  const data = view.data;
  return (
    <>
      <PageHeader
        title="Sign-in and identity"
        description="How people sign in on this workstation: with local passwords only, or also through the site’s identity provider or directory, whose groups then give roles."
      />
      <ErrorNotice error={view.error} />
      {data && (
        <div className="stack-gap">
          <div className="grid grid-main-side">
            <SignInMethodCard view={data} onChanged={refresh} />
            <GroupMappingsSummary count={data.mappings.length} waiting={data.waiting.length} />
          </div>
          <IdpCard view={data} onChanged={refresh} />
          <DirectoryCard view={data} onChanged={refresh} />
          <GroupMappingsCard view={data} onChanged={refresh} />
        </div>
      )}
    </>
  );
}

function GroupMappingsSummary({ count, waiting }: { count: number; waiting: number }) {
  return (
    <section className="card" aria-label="Roles from groups">
      <h2 className="card-title">Roles from groups</h2>
      <p>
        {count === 0 ? 'No group gives a role yet.' : `${count} group mapping${count === 1 ? '' : 's'}, listed below.`}{' '}
        {waiting > 0
          ? `${waiting} role change${waiting === 1 ? '' : 's'} from recent sign-ins wait${waiting === 1 ? 's' : ''} for you in Users and roles.`
          : 'No role change waits for an admin.'}
      </p>
      <p className="muted">
        A role a group no longer gives is taken away at that person’s next sign-in, and the keys it gave are changed. A role a group newly
        gives waits until an admin grants it in Users and roles.
      </p>
    </section>
  );
}
