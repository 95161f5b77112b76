import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { LogBuffer } from './buffer';
import { LogView } from './LogView';

/**
 * Matches of `query` in the log, found once and then only in lines that arrive after (a million
 * lines are searched once per query, not once per new line). Typing waits a moment before searching.
 */
function useLogSearch(buffer: LogBuffer, version: number, query: string) {
  const [needle, setNeedle] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setNeedle(query.toLowerCase()), 150);
    return () => clearTimeout(t);
  }, [query]);
  const found = useRef<{ needle: string; scanned: number; matches: number[] }>({ needle: '', scanned: 0, matches: [] });
  const f = found.current;
  if (f.needle !== needle) found.current = { needle, scanned: 0, matches: [] };
  const now = found.current;
  if (now.scanned < buffer.count) {
    buffer.findFrom(needle, now.scanned, now.matches);
    now.scanned = buffer.count;
  }
  void version;
  return { needle, matches: now.matches };
}

function Toggle({ pressed, onChange, children }: { pressed: boolean; onChange: (next: boolean) => void; children: string }) {
  return (
    <button
      type="button"
      className={`btn btn-small btn-toggle${pressed ? ' is-on' : ''}`}
      aria-pressed={pressed}
      onClick={() => onChange(!pressed)}
    >
      {children}
    </button>
  );
}

export interface LogPanelProps {
  buffer: LogBuffer;
  version: number;
  label: string;
  /** Lines still arrive (the run is not finished): Follow matters. */
  live: boolean;
  /** Saves the whole log to a file the operator picks; gets whether times are shown. */
  onDownload?: (timestamps: boolean) => void;
  downloading?: boolean;
}

/**
 * The run's log with its tools: search with previous/next and a count, follow or pause, wrap,
 * timestamps, jump to the first error, copy, download, and a full-screen mode (Escape leaves it).
 */
export function LogPanel({ buffer, version, label, live, onDownload, downloading = false }: LogPanelProps) {
  const [query, setQuery] = useState('');
  const [follow, setFollow] = useState(true);
  const [wrap, setWrap] = useState(false);
  const [timestamps, setTimestamps] = useState(false);
  const [full, setFull] = useState(false);
  const [current, setCurrent] = useState(0);
  const [target, setTarget] = useState<{ index: number; nonce: number } | null>(null);
  const [said, setSaid] = useState('');
  const panel = useRef<HTMLDivElement>(null);
  const { needle, matches } = useLogSearch(buffer, version, query);

  const jump = useCallback((index: number) => {
    setFollow(false);
    setTarget((t) => ({ index, nonce: (t?.nonce ?? 0) + 1 }));
  }, []);

  // A new search goes to its first match.
  const firstMatch = matches[0];
  useEffect(() => {
    setCurrent(0);
    if (needle && firstMatch !== undefined) jump(firstMatch);
    else setTarget(null);
    // Only when the search changes, not when more matches arrive.
  }, [needle, jump]);

  const step = (by: number) => {
    if (matches.length === 0) return;
    const next = (current + by + matches.length) % matches.length;
    setCurrent(next);
    jump(matches[next]!);
  };

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    step(e.shiftKey ? -1 : 1);
  };

  const firstError = () => {
    const i = buffer.firstError();
    if (i < 0) setSaid('No line looks like an error.');
    else {
      setSaid(`First error on line ${buffer.line(i).seq}.`);
      jump(i);
    }
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(buffer.joined(timestamps));
      setSaid(`Copied ${buffer.count.toLocaleString()} ${buffer.count === 1 ? 'line' : 'lines'}.`);
    } catch {
      setSaid('The clipboard refused the log: use Download instead.');
    }
  };

  // Full screen: Escape leaves it (and the page behind cannot scroll under it).
  useEffect(() => {
    if (!full) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') setFull(false);
    };
    document.addEventListener('keydown', onKey);
    document.body.classList.add('no-scroll');
    return () => {
      document.removeEventListener('keydown', onKey);
      document.body.classList.remove('no-scroll');
    };
  }, [full]);

  const count = useMemo(() => {
    if (!needle) return '';
    if (matches.length === 0) return 'No matches';
    return `${(current + 1).toLocaleString()} of ${matches.length.toLocaleString()} ${matches.length === 1 ? 'match' : 'matches'}`;
  }, [needle, matches.length, current]);

  return (
    <div
      ref={panel}
      className={full ? 'log-panel log-panel-full' : 'log-panel'}
      role={full ? 'dialog' : undefined}
      aria-label={full ? label : undefined}
      aria-modal={full || undefined}
    >
      {full && <h2 className="log-full-title">{label}</h2>}
      <div className="log-tools" role="toolbar" aria-label="Log tools">
        <div className="log-search">
          <input
            type="search"
            aria-label="Search the log"
            placeholder="Search the log"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={onSearchKey}
          />
          <button
            type="button"
            className="btn btn-small"
            aria-label="Previous match"
            title="Previous match (Shift+Enter)"
            disabled={matches.length === 0}
            onClick={() => step(-1)}
          >
            ↑
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-label="Next match"
            title="Next match (Enter)"
            disabled={matches.length === 0}
            onClick={() => step(1)}
          >
            ↓
          </button>
          <span className="log-count muted" role="status" aria-label="Matches">
            {count}
          </span>
        </div>
        <div className="log-buttons">
          {live && (
            <Toggle pressed={follow} onChange={setFollow}>
              {follow ? 'Following' : 'Follow'}
            </Toggle>
          )}
          <Toggle pressed={wrap} onChange={setWrap}>
            Wrap lines
          </Toggle>
          <Toggle pressed={timestamps} onChange={setTimestamps}>
            Timestamps
          </Toggle>
          <button type="button" className="btn btn-small" onClick={firstError} disabled={buffer.count === 0}>
            First error
          </button>
          <button type="button" className="btn btn-small" onClick={() => void copy()} disabled={buffer.count === 0}>
            Copy
          </button>
          {onDownload && (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => onDownload(timestamps)}
              disabled={downloading || buffer.count === 0}
            >
              {downloading ? 'Saving…' : 'Download…'}
            </button>
          )}
          <button type="button" className="btn btn-small" aria-pressed={full} onClick={() => setFull(!full)}>
            {full ? 'Exit full screen' : 'Full screen'}
          </button>
        </div>
      </div>
      {said && (
        <p className="hint" role="status">
          {said}
        </p>
      )}
      <LogView
        buffer={buffer}
        version={version}
        label={label}
        follow={live && follow}
        onFollowChange={setFollow}
        wrap={wrap}
        timestamps={timestamps}
        needle={needle}
        target={target}
        fill={full}
      />
      <p className="hint">
        Keyboard: focus the log, then arrows, Page Up/Down, Home and End. In the search box, Enter finds the next match and Shift+Enter the
        previous.{full ? ' Escape leaves full screen.' : ''}
      </p>
    </div>
  );
}
