import { useSession } from './api/context';
import { ROUTES, type Route } from './routes';
import { DEFAULT_ROUTE, useRouteId } from './navigation';
import { Icon } from './components/Icon';
import { ThemeSelect } from './components/ThemeSelect';
import { useTheme } from './theme-context';
import { roleList } from './features/identity';

const GROUPS: ReadonlyArray<{ id: Route['group']; label: string }> = [
  { id: 'work', label: 'Operations' },
  { id: 'admin', label: 'Administration' },
  { id: 'me', label: 'You' },
];

/** The signed-in frame: navigation limited to what the user may use, the account bar, the screen. */
export function Shell() {
  const session = useSession();
  const theme = useTheme();
  const routeId = useRouteId();
  const allowed = ROUTES.filter((r) => session.can(r.permission));
  const route = allowed.find((r) => r.id === routeId) ?? allowed.find((r) => r.id === DEFAULT_ROUTE)!;
  const Screen = route.component;
  const site = session.settings['site.name'];

  return (
    <div className="shell">
      <a
        className="skip-link"
        href="#content"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('content')?.focus();
        }}
      >
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark">
            <Icon name="shield" size={20} />
          </span>
          <span>
            <span className="brand-name">Airgap Runner</span>
            {typeof site === 'string' && site && <span className="brand-site">{site}</span>}
          </span>
        </div>
        <nav aria-label="Main">
          {GROUPS.map((group) => {
            const items = allowed.filter((r) => r.group === group.id);
            if (items.length === 0) return null;
            return (
              <div key={group.id} className="nav-group">
                <p className="nav-group-label" aria-hidden="true">
                  {group.label}
                </p>
                <ul>
                  {items.map((r) => (
                    <li key={r.id}>
                      <a href={`#/${r.id}`} className="nav-link" aria-current={r.id === route.id ? 'page' : undefined}>
                        <Icon name={r.icon} />
                        <span>{r.label}</span>
                      </a>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
        </nav>
        <p className="sidebar-footer mono" title={session.me.workstationId}>
          Workstation {session.me.workstationId.slice(0, 8)}
        </p>
      </aside>
      <div className="main-column">
        <header className="topbar">
          <div className="topbar-user" aria-label="Signed in user">
            <span className="avatar" aria-hidden="true">
              {session.me.user.name.slice(0, 1).toUpperCase()}
            </span>
            <span>
              <span className="topbar-name">{session.me.user.name}</span>
              <span className="topbar-roles">{roleList(session.me.user.roles, ' · ')}</span>
            </span>
          </div>
          <div className="topbar-actions">
            <ThemeSelect value={theme.value} onChange={theme.set} />
            <button type="button" className="btn btn-ghost" onClick={() => void session.lock()}>
              <Icon name="lock" size={16} />
              Lock
            </button>
            <button type="button" className="btn" onClick={() => void session.signOut()}>
              Sign out
            </button>
          </div>
        </header>
        <main id="content" className="content" tabIndex={-1}>
          <Screen key={route.id} />
        </main>
      </div>
    </div>
  );
}
