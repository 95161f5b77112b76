import {
  Fragment,
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
  type RefObject,
} from 'react';
import type { PagedLog } from './paged';
import { parseAnsi } from './ansi';
import { visibleLength } from './wrap';

const ROW = 18;
const OVERSCAN = 20;
/** Browsers cap element heights (~33M px in Chromium); past this the scrollbar is scaled. */
const MAX_SCROLL_PX = 8_000_000;
/** Gutters in characters: the line number, and the time when shown (plus their padding). */
const SEQ_CH = 9;
const TIME_CH = 14;

/** The core spells ESC as ␛, which few monospace fonts draw: show it as a small ESC mark. */
function withEsc(text: string): ReactNode {
  if (!text.includes('\u241b')) return text;
  return text.split('\u241b').map((part, i) => (
    <Fragment key={i}>
      {i > 0 && <span className="log-esc">ESC</span>}
      {part}
    </Fragment>
  ));
}

/** Text with each occurrence of `needle` (lower-case) marked. */
function withMatches(text: string, needle: string): ReactNode {
  if (!needle) return withEsc(text);
  const lower = text.toLowerCase();
  const out: ReactNode[] = [];
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, at)) {
    if (i > at) out.push(<Fragment key={at}>{withEsc(text.slice(at, i))}</Fragment>);
    out.push(
      <mark key={`m${i}`} className="log-match">
        {withEsc(text.slice(i, i + needle.length))}
      </mark>,
    );
    at = i + needle.length;
  }
  if (at < text.length) out.push(<Fragment key={at}>{withEsc(text.slice(at))}</Fragment>);
  return out;
}

/** 24-hour time of day with milliseconds, in UTC as the core stores it (the full ISO time is the tooltip). */
function clock(ms: number): string {
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString().slice(11, 23);
}

interface LineProps {
  seq: number;
  stream: string;
  text: string;
  time: number;
  timestamps: boolean;
  needle: string;
  current: boolean;
  rows: number;
  loaded: boolean;
}

const LogLine = memo(function LogLine({ seq, stream, text, time, timestamps, needle, current, rows, loaded }: LineProps) {
  return (
    <div
      className={`log-line log-${stream}${current ? ' log-line-current' : ''}${loaded ? '' : ' log-line-loading'}`}
      style={rows > 1 ? { height: rows * ROW } : undefined}
      data-seq={seq}
    >
      <span className="log-seq" aria-hidden="true">
        {seq}
      </span>
      {timestamps && (
        <span className="log-time" title={Number.isNaN(time) ? undefined : new Date(time).toISOString()}>
          {clock(time)}
        </span>
      )}
      <span className="log-text">
        {parseAnsi(text).map((s, i) =>
          s.className ? (
            <span key={i} className={s.className}>
              {withMatches(s.text, needle)}
            </span>
          ) : (
            <Fragment key={i}>{withMatches(s.text, needle)}</Fragment>
          ),
        )}
      </span>
    </div>
  );
});

/** The width of one character of the log's font, measured once the view is on screen. */
function useCharWidth(probe: RefObject<HTMLSpanElement | null>): number {
  const [width, setWidth] = useState(7.5);
  useLayoutEffect(() => {
    const w = probe.current?.getBoundingClientRect().width;
    if (w) setWidth(w / 100);
  }, [probe]);
  return width;
}

export interface LogViewProps {
  buffer: PagedLog;
  version: number;
  label: string;
  /** Keep the end in view as lines arrive; the view turns it off when the reader scrolls up, and says so. */
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
  wrap?: boolean;
  timestamps?: boolean;
  /** Lower-case text to mark in every line. */
  needle?: string;
  /** The line to bring into view (and mark as the current match); `nonce` repeats a jump to the same line. */
  target?: { index: number; nonce: number } | null;
  /** Fill the height it is given (full screen) instead of the window's height less the page's top. */
  fill?: boolean;
}

/**
 * A virtualised view of a run's log: only the lines in view (plus a margin) are in the DOM, so a
 * million lines draw as fast as fifty. Wrapped lines take as many rows as their characters need
 * (counted, not measured, so a million lines still cost one pass). Follows the end while asked to.
 * Every line is React text: markup, links and escape sequences in task output stay inert.
 */
export function LogView({
  buffer,
  version,
  label,
  follow,
  onFollowChange,
  wrap = false,
  timestamps = false,
  needle = '',
  target = null,
  fill = false,
}: LogViewProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const probe = useRef<HTMLSpanElement>(null);
  const [top, setTop] = useState(0);
  const [box, setBox] = useState({ width: 800, height: 460 });
  const charWidth = useCharWidth(probe);
  const count = buffer.count;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setBox({ width: el.clientWidth, height: el.clientHeight });
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    measure();
    return () => observer.disconnect();
  }, []);

  const columns = Math.max(20, Math.floor(box.width / charWidth) - SEQ_CH - (timestamps ? TIME_CH : 0) - 2);
  void version;
  // Rows a line takes: one, or as many as its characters need when wrapping (a line still being read takes one).
  const rowsOf = (i: number) => {
    if (!wrap) return 1;
    const l = buffer.line(i);
    return l.loaded ? Math.max(1, Math.ceil(visibleLength(l.text) / columns)) : 1;
  };

  // The scrollbar moves by lines (ROW px each, scaled past MAX_SCROLL_PX); wrapped lines are taller
  // on screen only, so a page of the log need not be read to know where a line is.
  const short = count < 30;
  const height = short ? Math.max(count, 6) * ROW + 2 : box.height;
  const natural = count * ROW;
  const total = Math.min(natural, MAX_SCROLL_PX);
  const visibleRows = Math.ceil(height / ROW);
  const maxTop = Math.max(0, total - height);
  const scaled = natural > MAX_SCROLL_PX;
  const lastFirst = Math.max(0, count - visibleRows);
  let first = !scaled ? Math.min(Math.floor(top / ROW), lastFirst) : Math.round((maxTop ? top / maxTop : 0) * lastFirst);
  const atEnd = count > visibleRows && top >= maxTop - 1;
  if (atEnd && wrap) {
    // At the end the last lines must fit, however many rows they wrap to.
    let rows = 0;
    first = count;
    while (first > 0 && rows + rowsOf(first - 1) <= visibleRows) rows += rowsOf(--first);
  }
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(count, first + visibleRows + OVERSCAN);
  let above = 0;
  for (let i = start; i < first; i++) above += rowsOf(i);
  const offset = Math.max(0, (!scaled && !wrap ? first * ROW : top) - above * ROW);

  // The pages these lines are on: read them if they are not held (the rest of the log stays in the core).
  useEffect(() => buffer.ensure(start, end), [buffer, start, end, version]);

  const following = useRef(follow);
  following.current = follow;
  const programmatic = useRef(false);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    setTop(el.scrollTop);
    if (programmatic.current) {
      programmatic.current = false;
      return;
    }
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
    if (atEnd !== following.current) onFollowChange(atEnd);
  }, [onFollowChange]);

  const scrollTo = (px: number) => {
    const el = scroller.current;
    if (!el) return;
    const next = Math.max(0, Math.min(px, el.scrollHeight - el.clientHeight));
    if (Math.abs(el.scrollTop - next) < 1) return;
    programmatic.current = true;
    el.scrollTop = next;
    setTop(el.scrollTop);
  };

  // Following: the end stays in view as lines arrive and when following is turned back on.
  useLayoutEffect(() => {
    if (follow && count > visibleRows) scrollTo(Number.MAX_SAFE_INTEGER);
  });

  // A jump (search match, first error): the line a third of the way down.
  useLayoutEffect(() => {
    if (!target || target.index < 0 || target.index >= count) return;
    const row = target.index;
    const px = !scaled ? row * ROW : (row / Math.max(1, lastFirst)) * maxTop;
    scrollTo(px - (scaled ? 0 : height / 3));
    // Only when asked: not on every new line.
  }, [target]);

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const el = scroller.current;
    if (!el) return;
    if (e.key === 'Home') el.scrollTop = 0;
    else if (e.key === 'End') el.scrollTop = el.scrollHeight;
    else return;
    e.preventDefault();
  };

  const current = target?.index ?? -1;
  const rows = [];
  for (let i = start; i < end; i++) {
    const l = buffer.line(i);
    rows.push(
      <LogLine
        key={l.seq}
        seq={l.seq}
        stream={l.stream}
        text={l.text}
        time={l.time}
        timestamps={timestamps}
        needle={needle}
        current={i === current}
        rows={rowsOf(i)}
        loaded={l.loaded}
      />,
    );
  }
  return (
    <div
      ref={scroller}
      className={`log-view${fill ? ' log-view-fill' : ''}${wrap ? ' log-view-wrap' : ''}`}
      style={short ? { height } : undefined}
      onScroll={onScroll}
      onKeyDown={onKey}
      tabIndex={0}
      role="log"
      aria-label={label}
      aria-live="off"
      data-lines={count}
      data-first={first}
      data-following={follow}
    >
      <span ref={probe} className="log-probe" aria-hidden="true">
        {'0'.repeat(100)}
      </span>
      <div className="log-spacer" style={{ height: Math.max(total, height - 2) }}>
        <div className="log-window" style={{ transform: `translateY(${offset}px)` }}>
          {count === 0 ? <p className="log-empty">No output yet.</p> : rows}
        </div>
      </div>
    </div>
  );
}
