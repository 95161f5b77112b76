import { useEffect, useState } from 'react';
import { useApi, useSession } from './api/context';
import { useAttentionCounts, type AttentionCounts } from './api/attention';
import { EngineContext, useEngineStatus } from './api/engine';
import { ROUTES, type Route } from './routes';
import { DEFAULT_ROUTE, useRouteId } from './navigation';
import { Icon } from './components/Icon';
import { EngineBadge } from './components/EngineBadge';
import { ServiceBadge } from './components/ServiceBadge';
import { ThemeSelect } from './components/ThemeSelect';
import { useTheme } from './theme-context';
import { plural } from './format';
import { roleList } from './features/identity';

const GROUPS: ReadonlyArray<{ id: Route['group']; label: string }> = [
  { id: 'work', label: 'Operations' },
  { id: 'admin', label: 'Administration' },
  { id: 'me', label: 'You' },
];

const COLLAPSED_KEY = 'airgap-runner.sidebar-collapsed';

interface Badge {
  count: number;
  /** What the number counts, in words, for readers and the tooltip. */
  words: string;
  tone: 'info' | 'warning' | 'danger';
}

/** The counts a navigation entry shows (attention.counts, counted by the core for this user). */
function badgesFor(id: string, counts: AttentionCounts | null): Badge[] {
  if (!counts) return [];
  const badges: Badge[] = [];
  if (id === 'runs') {
    if (counts.runsInProgress > 0)
      badges.push({ count: counts.runsInProgress, words: `${plural(counts.runsInProgress, 'run')} in progress`, tone: 'info' });
    if (counts.approvalsWaiting > 0)
      badges.push({
        count: counts.approvalsWaiting,
        words: `${plural(counts.approvalsWaiting, 'run')} waiting for your approval`,
        tone: 'warning',
      });
  }
  if (id === 'issues' && counts.criticalIssues > 0)
    badges.push({ count: counts.criticalIssues, words: `${plural(counts.criticalIssues, 'open critical issue')}`, tone: 'danger' });
  return badges;
}

/** The window title: the screen, and how many runs are in progress (Electron shows it as the window's). */
function useWindowTitle(screen: string, counts: AttentionCounts | null): void {
  useEffect(() => {
    const running = counts?.runsInProgress ?? 0;
    document.title = `${screen}${running > 0 ? ` · ${plural(running, 'run')} in progress` : ''} — Airgap Runner`;
  }, [screen, counts?.runsInProgress]);
}

function useCollapsed(): [boolean, (value: boolean) => void] {
  const [collapsed, setCollapsed] = useState(() => {
    try {
      const stored = localStorage.getItem(COLLAPSED_KEY);
      return stored === null ? window.innerWidth < 1100 : stored === '1';
    } catch {
      return false;
    }
  });
  const set = (value: boolean) => {
    setCollapsed(value);
    try {
      localStorage.setItem(COLLAPSED_KEY, value ? '1' : '0');
    } catch {
      // Storage refused: the choice lasts for this window only.
    }
  };
  return [collapsed, set];
}

/** The signed-in frame: navigation limited to what the user may use, the account bar, the screen. */
export function Shell() {
  const session = useSession();
  const api = useApi();
  const theme = useTheme();
  const routeId = useRouteId();
  const engine = useEngineStatus(api);
  const counts = useAttentionCounts(api);
  const [collapsed, setCollapsed] = useCollapsed();
  const allowed = ROUTES.filter((r) => session.can(r.permission));
  const route = allowed.find((r) => r.id === routeId) ?? allowed.find((r) => r.id === DEFAULT_ROUTE)!;
  const Screen = route.component;
  const site = session.settings['site.name'];
  useWindowTitle(route.label, counts);

  return (
    <EngineContext.Provider value={engine}>
      <div className={`shell ${collapsed ? 'shell-collapsed' : ''}`}>
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
            <span className="brand-text">
              <span className="brand-name">Airgap Runner</span>
              {typeof site === 'string' && site && <span className="brand-site">{site}</span>}
            </span>
          </div>
          <nav aria-label="Main" className="sidebar-nav">
            {GROUPS.map((group) => {
              const items = allowed.filter((r) => r.group === group.id);
              if (items.length === 0) return null;
              return (
                <div key={group.id} className="nav-group">
                  <p className="nav-group-label" aria-hidden="true">
                    {group.label}
                  </p>
                  <ul>
                    {items.map((r) => {
                      const badges = badgesFor(r.id, counts);
                      const name = [r.label, ...badges.map((b) => b.words)].join(', ');
                      return (
                        <li key={r.id}>
                          <a
                            href={`#/${r.id}`}
                            className="nav-link"
                            aria-current={r.id === route.id ? 'page' : undefined}
                            aria-label={name}
                            title={collapsed || badges.length ? name : undefined}
                          >
                            <Icon name={r.icon} />
                            <span className="nav-label">{r.label}</span>
                            {badges.map((b) => (
                              <span key={b.tone} className={`nav-count nav-count-${b.tone}`} aria-hidden="true">
                                {b.count}
                              </span>
                            ))}
                          </a>
                        </li>
                      );
                    })}
                  </ul>
                </div>
              );
            })}
          </nav>
          <div className="sidebar-footer">
            <button
              type="button"
              className="sidebar-toggle"
              aria-expanded={!collapsed}
              aria-label={collapsed ? 'Expand the sidebar' : 'Collapse the sidebar to icons'}
              title={collapsed ? 'Expand the sidebar' : 'Collapse the sidebar to icons'}
              onClick={() => setCollapsed(!collapsed)}
            >
              <Icon name={collapsed ? 'expand' : 'collapse'} size={16} />
              <span className="nav-label">Collapse</span>
            </button>
            <p className="sidebar-workstation mono" title={`Workstation ${session.me.workstationId}`}>
              Workstation {session.me.workstationId.slice(0, 8)}
            </p>
          </div>
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
              <ServiceBadge />
              <EngineBadge engine={engine} />
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
    </EngineContext.Provider>
  );
}
