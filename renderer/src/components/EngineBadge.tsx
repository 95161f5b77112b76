import type { EngineValue } from '../api/engine';

/**
 * The engine in the header, on every screen: reachable (Docker or Podman and its version) or not,
 * with why in a tooltip and in the text a reader hears. Pressing it asks the engine again.
 */
export function EngineBadge({ engine }: { engine: EngineValue }) {
  const { status, checking } = engine;
  const up = status?.reachable ?? null;
  const label =
    status === null
      ? 'Engine: checking…'
      : up
        ? `Engine: ${status.kind === 'podman' ? 'Podman' : 'Docker'} ${status.version ?? ''}`.trim()
        : 'Engine not reachable';
  const detail = status === null ? '' : up ? `${status.rootless ? 'Rootless' : 'Rootful'}, ${status.socket ?? ''}` : status.message;
  return (
    <button
      type="button"
      className={`engine-badge ${up === null ? '' : up ? 'engine-up' : 'engine-down'}`}
      title={`${detail}${detail ? '\n' : ''}Press to check again.`}
      aria-describedby="engine-detail"
      onClick={() => void engine.check()}
      disabled={checking && status === null}
    >
      <span className="engine-dot" aria-hidden="true" />
      <span aria-live="polite">{label}</span>
      <span id="engine-detail" className="visually-hidden">
        {detail}
      </span>
    </button>
  );
}
