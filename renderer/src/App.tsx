import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DesktopApi } from '../../main/desktop-api';
import { ApiClient, type ApiErrorShape } from './api/client';
import { ApiContext, SessionContext, type Me, type SessionValue, type Settings } from './api/context';
import { ThemeContext } from './theme-context';
import { applyTheme, loadTheme } from './theme';
import { useIdleTimer } from './idle';
import { Shell } from './Shell';
import {
  ChangePasswordScreen,
  EnrolTotpScreen,
  LockScreen,
  RecoveryKeyScreen,
  SetupScreen,
  SignInScreen,
  UnsealScreen,
} from './features/identity';
import type { ServiceState } from './api/client';

type Phase =
  | { kind: 'loading' }
  | { kind: 'unavailable'; error: ApiErrorShape }
  | { kind: 'setup' }
  | { kind: 'recoveryKey'; recoveryKey: string }
  | { kind: 'signIn'; notice?: string }
  | { kind: 'locked'; name: string; reason: string }
  | { kind: 'changePassword'; me: Me }
  | { kind: 'enrolTotp'; me: Me }
  | { kind: 'ready'; me: Me; settings: Settings };

const DEFAULT_IDLE_MINUTES = 15;

function idleMinutes(settings: Settings): number {
  const value = settings['session.idleMinutes'];
  return typeof value === 'number' && value > 0 ? value : DEFAULT_IDLE_MINUTES;
}

/** The signed-in app: the session context, the idle lock and the shell. */
function SignedIn({ session }: { session: SessionValue }) {
  useIdleTimer(
    idleMinutes(session.settings),
    () => void session.lock(`Locked after ${idleMinutes(session.settings)} minutes without activity.`),
  );
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

export function App({ bridge }: { bridge: DesktopApi }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const phaseRef = useRef(phase);
  phaseRef.current = phase;
  const [theme, setTheme] = useState(loadTheme);
  useEffect(() => applyTheme(theme), [theme]);

  // A signed-in call that comes back UNAUTHENTICATED means the core ended the session: lock.
  const api = useMemo(
    () =>
      new ApiClient(bridge, (error) => {
        const p = phaseRef.current;
        if (p.kind === 'ready' || p.kind === 'changePassword' || p.kind === 'enrolTotp')
          setPhase({ kind: 'locked', name: p.me.user.name, reason: error.message });
      }),
    [bridge],
  );

  /** After sign-in (or a reload that found a live session): who am I, and what are the settings? */
  const enter = useCallback(async () => {
    const who = await api.call('auth.whoami', {});
    if (!who.ok) return setPhase({ kind: 'signIn' });
    if (who.value.user.mustChangePassword) return setPhase({ kind: 'changePassword', me: who.value });
    // A role requires TOTP and this user has not enrolled: the core allows nothing else first.
    if (who.value.mustEnrolTotp) return setPhase({ kind: 'enrolTotp', me: who.value });
    const settings = await api.call('settings.get', {});
    setPhase({ kind: 'ready', me: who.value, settings: settings.ok ? settings.value.settings : {} });
  }, [api]);

  // A client of a sealed service is offered Unseal before sign-in (docs/service.md).
  const [service, setService] = useState<ServiceState | null>(null);
  useEffect(() => {
    void (async () => {
      setService(await api.serviceState());
      const status = await api.call('system.status', {});
      if (!status.ok) return setPhase({ kind: 'unavailable', error: status.error });
      if (!status.value.initialised) return setPhase({ kind: 'setup' });
      // A reload keeps the window's session (it lives in main): reattach if it is still live.
      await enter();
    })();
  }, [api, enter]);

  const signOut = useCallback(async () => {
    await api.call('auth.signOut', {});
    setPhase({ kind: 'signIn', notice: 'You signed out.' });
  }, [api]);

  const session = useMemo<SessionValue | null>(() => {
    if (phase.kind !== 'ready') return null;
    return {
      me: phase.me,
      settings: phase.settings,
      can: (permission) => phase.me.permissions.includes(permission),
      refresh: enter,
      signOut,
      lock: async (reason = 'You locked the window.') => {
        // Signing out ends the core session and wipes its keys; unlocking is a fresh sign-in.
        await api.call('auth.signOut', {});
        setPhase({ kind: 'locked', name: phase.me.user.name, reason });
      },
    };
  }, [phase, enter, signOut, api]);

  const themeValue = useMemo(() => ({ value: theme, set: setTheme }), [theme]);

  return (
    <ThemeContext.Provider value={themeValue}>
      <ApiContext.Provider value={api}>
        {phase.kind === 'loading' && <p className="loading">Opening Airgap Runner…</p>}
        {phase.kind === 'unavailable' && (
          <div role="alert" className="notice notice-error fatal">
            {phase.error.message}
          </div>
        )}
        {phase.kind === 'setup' && <SetupScreen onCreated={(recoveryKey) => setPhase({ kind: 'recoveryKey', recoveryKey })} />}
        {phase.kind === 'recoveryKey' && <RecoveryKeyScreen recoveryKey={phase.recoveryKey} onConfirmed={() => void enter()} />}
        {phase.kind === 'signIn' && service?.state === 'sealed' && (
          <UnsealScreen
            service={service}
            onUnsealed={(state) => {
              setService(state);
              setPhase({ kind: 'signIn', notice: `The service is unsealed${state.unsealedBy ? ` by ${state.unsealedBy}` : ''}. Sign in.` });
            }}
          />
        )}
        {phase.kind === 'signIn' && service?.state !== 'sealed' && <SignInScreen notice={phase.notice} onSignedIn={() => void enter()} />}
        {phase.kind === 'locked' && (
          <LockScreen
            name={phase.name}
            reason={phase.reason}
            onUnlocked={() => void enter()}
            onSwitchUser={() => setPhase({ kind: 'signIn' })}
          />
        )}
        {phase.kind === 'changePassword' && (
          <ChangePasswordScreen name={phase.me.user.name} onChanged={() => void enter()} onSignOut={() => void signOut()} />
        )}
        {phase.kind === 'enrolTotp' && (
          <EnrolTotpScreen name={phase.me.user.name} onEnrolled={() => void enter()} onSignOut={() => void signOut()} />
        )}
        {session && <SignedIn session={session} />}
      </ApiContext.Provider>
    </ThemeContext.Provider>
  );
}
