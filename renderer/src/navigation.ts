/**
 * Where the window is: the screen id and its parameter, read from the location hash. Imports nothing
 * of the app, so screens can follow the hash without depending on the route table that lists them.
 */
import { useEffect, useRef, useState } from 'react';

export const DEFAULT_ROUTE = 'dashboard';

export function routeFromHash(hash: string): string {
  const id = hash.replace(/^#\/?/, '').split('/')[0];
  return id || DEFAULT_ROUTE;
}

/** What follows the screen id (`#/runs/r-abc` -> `r-abc`), decoded; '' when nothing does. */
export function routeParam(hash: string): string {
  const rest = hash.replace(/^#\/?/, '').split('/').slice(1).join('/');
  try {
    return decodeURIComponent(rest);
  } catch {
    return '';
  }
}

/** A value read from the hash, kept in step with navigation. */
function useHashValue(read: (hash: string) => string): string {
  const [value, setValue] = useState(() => read(window.location.hash));
  useEffect(() => {
    const onChange = () => setValue(read(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, [read]);
  return value;
}

/** The screen id in the hash. */
export function useRouteId(): string {
  return useHashValue(routeFromHash);
}

/** The part of the hash after the screen id. */
export function useRouteParam(): string {
  return useHashValue(routeParam);
}

/** The screen that asks before it is left, if any (one screen shows at a time). */
let leaveGuard: { active: boolean; message: string } | null = null;
let currentHash = typeof window === 'undefined' ? '' : window.location.hash;

/**
 * Installed when this module loads, so it hears every hash change before the shell's listener
 * (listeners at one target run in the order they were added): a guarded screen can keep the window
 * where it is before the shell moves on and unmounts it.
 */
if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', (event) => {
    const next = window.location.hash;
    const guard = leaveGuard;
    if (guard?.active && routeFromHash(next) !== routeFromHash(currentHash) && !window.confirm(guard.message)) {
      event.stopImmediatePropagation();
      history.replaceState(null, '', currentHash);
      return;
    }
    currentHash = next;
  });
}

/** While `active`, leaving the screen (another screen's link, Back) asks first; "Cancel" stays. */
export function useLeaveGuard(active: boolean, message: string): void {
  const guard = useRef({ active, message });
  guard.current.active = active;
  guard.current.message = message;
  useEffect(() => {
    const mine = guard.current;
    leaveGuard = mine;
    return () => {
      if (leaveGuard === mine) leaveGuard = null;
    };
  }, []);
}
