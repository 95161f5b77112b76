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
 * Only the newest request's answer is kept, so a slow old page never overwrites a newer one.
 */
export function useOp<N extends OpName>(name: N, input: OpInput<N>, generation = 0): OpState<BridgeOutput<N>> {
  const api = useApi();
  const [state, setState] = useState<{ data: BridgeOutput<N> | null; error: ApiErrorShape | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const latest = useRef(0);
  const key = JSON.stringify(input);
  const reload = useCallback(async () => {
    const request = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    const result = await api.call(name, JSON.parse(key) as OpInput<N>);
    if (request !== latest.current) return;
    setState(result.ok ? { data: result.value, error: null, loading: false } : { data: null, error: result.error, loading: false });
  }, [api, name, key]);
  useEffect(() => {
    void reload();
  }, [reload, generation]);
  return { ...state, reload };
}
