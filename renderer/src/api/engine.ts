/**
 * The container engine as the header shows it on every screen: asked when the window opens, every
 * 30 s, when the window regains focus, and on demand. Screens read it to disable Run buttons with
 * the reason while the engine is down (the core refuses anyway).
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { ApiClient } from './client';
import type { OpOutput } from './contract';

export type EngineStatus = OpOutput<'engine.status'>;

export interface EngineValue {
  /** null until the first answer. */
  status: EngineStatus | null;
  checking: boolean;
  check: () => Promise<void>;
}

const POLL_MS = 30_000;

export const EngineContext = createContext<EngineValue>({ status: null, checking: false, check: async () => {} });

export function useEngine(): EngineValue {
  return useContext(EngineContext);
}

/** Why a run cannot start now, or null when it can (or the engine has not answered yet). */
export function engineDownReason(engine: EngineValue): string | null {
  if (!engine.status || engine.status.reachable) return null;
  return `The container engine is not reachable: ${engine.status.message}`;
}

export function useEngineStatus(api: ApiClient): EngineValue {
  const [status, setStatus] = useState<EngineStatus | null>(null);
  const [checking, setChecking] = useState(false);
  const latest = useRef(0);
  const check = useCallback(async () => {
    const request = ++latest.current;
    setChecking(true);
    const result = await api.call('engine.status', {});
    if (request !== latest.current) return;
    setChecking(false);
    if (result.ok) setStatus(result.value);
  }, [api]);
  useEffect(() => {
    void check();
    const timer = setInterval(() => void check(), POLL_MS);
    const onFocus = () => void check();
    window.addEventListener('focus', onFocus);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', onFocus);
    };
  }, [check]);
  return { status, checking, check };
}
