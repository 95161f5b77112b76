/**
 * Where the window is: the screen id and its parameter, read from the location hash. Imports nothing
 * of the app, so screens can follow the hash without depending on the route table that lists them.
 */
import { useEffect, useState } from 'react';

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
