import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from './context';
import type { ApiErrorShape } from './client';
import type { OpInput, OpName } from './contract';
import type { BridgeOutput } from '../../../main/desktop-api';

export interface OpState<T> {
  data: T | null;
  error: ApiErrorShape | null;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * Loads a read operation when the screen mounts and whenever its input (or `generation`) changes.
 * Only the newest request's answer is kept, so a slow old page never overwrites a newer one; a
 * `reload()` that a newer request overtook (a push from the core, say) resolves once that newer one
 * is shown, so a caller that awaits it before a notice never shows the notice beside old data.
 */
export function useOp<N extends OpName>(name: N, input: OpInput<N>, generation = 0): OpState<BridgeOutput<N>> {
  const api = useApi();
  const [state, setState] = useState<{ data: BridgeOutput<N> | null; error: ApiErrorShape | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const latest = useRef(0);
  /** The newest request, which a superseded one waits for: `reload()` resolves only once fresh data is shown. */
  const newest = useRef<Promise<void>>(Promise.resolve());
  const key = JSON.stringify(input);
  const reload = useCallback(() => {
    const request = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    const done = (async () => {
      const result = await api.call(name, JSON.parse(key) as OpInput<N>);
      if (request !== latest.current) return await newest.current;
      setState(result.ok ? { data: result.value, error: null, loading: false } : { data: null, error: result.error, loading: false });
    })();
    newest.current = done;
    return done;
  }, [api, name, key]);
  useEffect(() => {
    void reload();
  }, [reload, generation]);
  return { ...state, reload };
}
