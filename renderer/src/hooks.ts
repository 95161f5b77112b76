import { useEffect, useState } from 'react';
import { routeParam } from './routes';

/** The part of the hash after the screen id, kept in step with navigation. */
export function useRouteParam(): string {
  const [param, setParam] = useState(() => routeParam(window.location.hash));
  useEffect(() => {
    const onChange = () => setParam(routeParam(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return param;
}

/** A fresh id for following one operation's progress. */
export function progressId(): string {
  return `p${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}
