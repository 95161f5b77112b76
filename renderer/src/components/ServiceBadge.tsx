import { useEffect, useState } from 'react';
import { useApi } from '../api/context';
import { formatTime } from '../format';
import type { ServiceState } from '../api/client';

/**
 * When this window is a client of the always-on service: its state in the header, on every screen
 * (unsealed since when and by whom). Nothing when the window runs its own core.
 */
export function ServiceBadge() {
  const api = useApi();
  const [state, setState] = useState<ServiceState | null>(null);
  useEffect(() => {
    let live = true;
    void api.serviceState().then((s) => live && setState(s));
    return () => {
      live = false;
    };
  }, [api]);
  if (!state) return null;
  const full =
    state.state === 'unsealed'
      ? `Service unsealed since ${formatTime(state.since)}${state.unsealedBy ? ` by ${state.unsealedBy}` : ''}`
      : `Service sealed since ${formatTime(state.since)}`;
  // Short in the header (it shares the bar at 1024 px); the whole sentence in the tooltip and for screen readers.
  const time = new Date(state.since);
  const short = `${state.state === 'unsealed' ? 'Unsealed' : 'Sealed'} since ${String(time.getHours()).padStart(2, '0')}:${String(time.getMinutes()).padStart(2, '0')}`;
  return (
    <span
      className={`engine-badge ${state.state === 'unsealed' ? 'engine-up' : 'engine-down'}`}
      role="status"
      aria-label="Service"
      title={full}
    >
      <span className="engine-dot" aria-hidden="true" />
      <span aria-hidden="true">{short}</span>
      <span className="visually-hidden">{full}</span>
    </span>
  );
}
