import { createContext, useContext } from 'react';
import type { ApiClient } from './client';
import type { OpOutput, Permission } from './contract';

export const ApiContext = createContext<ApiClient | null>(null);

export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}

export type Me = OpOutput<'auth.whoami'>;
export type Settings = Record<string, unknown>;

export interface SessionValue {
  me: Me;
  settings: Settings;
  can(permission: Permission): boolean;
  /** Re-reads who I am (roles may change) and the settings (idle minutes, site name). */
  refresh(): Promise<void>;
  /** Ends the session (its keys are wiped in the core) and shows the lock screen. */
  lock(reason?: string): Promise<void>;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionContext');
  return session;
}
