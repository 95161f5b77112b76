import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { PagedLog } from './paged';
import { useApi } from '../api/context';
import { LogView } from './LogView';

/** The most matches a search brings back to step through (the count says how many there are in all). */
const MATCH_LIMIT = 10_000;

/**
 * Matches of `query` in the log, found by the core (the window holds only the pages in view).
 * Typing waits a moment before asking; a live log is searched again as lines arrive, at most every 2 s.
 */
function useLogSearch(buffer: PagedLog, version: number, query: string, live: boolean) {
  const [needle, setNeedle] = useState('');
  const [found, setFound] = useState<Found>(NOTHING_FOUND);
  const asked = useRef({ needle: '', at: 0 });
  useEffect(() => {
    const t = setTimeout(() => setNeedle(query.toLowerCase()), 150);
    return () => clearTimeout(t);
  }, [query]);
  // A live log is searched again as lines arrive; a finished one once per needle.
  const arrived = live ? version : 0;
  useEffect(() => {
    if (!needle) {
      setFound(NOTHING_FOUND);
      return;
    }
    let stopped = false;
    const again = asked.current.needle === needle;
    const t = setTimeout(
      () => {
        asked.current = { needle, at: Date.now() };
        buffer.search(needle, MATCH_LIMIT).then(
          (r) => !stopped && setFound({ needle, matches: r.indices, total: r.total, error: null }),
          (e: unknown) => !stopped && setFound({ needle, matches: [], total: 0, error: e instanceof Error ? e.message : String(e) }),
        );
      },
      again ? Math.max(0, asked.current.at + 2000 - Date.now()) : 0,
    );
    return () => {
      stopped = true;
      clearTimeout(t);
    };
  }, [needle, buffer, arrived]);
  const ready = found.needle === needle;
  return { ...(ready ? found : NOTHING_FOUND), needle, ready };
}

interface Found {
  needle: string;
  matches: number[];
  total: number;
  error: string | null;
}
const NOTHING_FOUND: Found = { needle: '', matches: [], total: 0, error: null };

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
  buffer: PagedLog;
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
  const api = useApi();
  const { needle, matches, total, error: searchError, ready } = useLogSearch(buffer, version, query, live);

  const jump = useCallback((index: number) => {
    setFollow(false);
    setTarget((t) => ({ index, nonce: (t?.nonce ?? 0) + 1 }));
  }, []);

  // A new search goes to its first match once the core has answered.
  const firstMatch = matches[0];
  useEffect(() => {
    setCurrent(0);
    if (needle && firstMatch !== undefined) jump(firstMatch);
    else setTarget(null);
    // Only when a search is answered, not when a live log's matches are counted again.
  }, [needle, ready, jump]);

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

  const firstError = async () => {
    try {
      const i = await buffer.firstError();
      if (i < 0) setSaid('No line looks like an error.');
      else {
        setSaid(`First error on line ${i + 1}.`);
        jump(i);
      }
    } catch (e) {
      setSaid(e instanceof Error ? e.message : String(e));
    }
  };

  const copy = async () => {
    let text: string;
    try {
      text = await buffer.joined(timestamps);
    } catch (e) {
      setSaid(e instanceof Error ? e.message : String(e));
      return;
    }
    // Through main: the window has no clipboard permission of its own.
    if (await api.copyText(text)) setSaid(`Copied ${buffer.count.toLocaleString()} ${buffer.count === 1 ? 'line' : 'lines'}.`);
    else setSaid('The clipboard refused the log: use Download instead.');
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
    if (searchError) return searchError;
    if (!ready) return 'Searching…';
    if (matches.length === 0) return 'No matches';
    const more = total > matches.length ? ` (the first ${matches.length.toLocaleString()} can be stepped through)` : '';
    return `${(current + 1).toLocaleString()} of ${total.toLocaleString()} ${total === 1 ? 'match' : 'matches'}${more}`;
  }, [needle, matches.length, total, current, searchError, ready]);

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
          <button type="button" className="btn btn-small" onClick={() => void firstError()} disabled={buffer.count === 0}>
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
