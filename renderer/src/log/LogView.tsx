import { Fragment, memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { LogBuffer } from './buffer';
import { parseAnsi } from './ansi';

const ROW = 18;
const OVERSCAN = 20;
/** Browsers cap element heights (~33M px in Chromium); past this the scrollbar is scaled. */
const MAX_SCROLL_PX = 8_000_000;

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

const LogLine = memo(function LogLine({ seq, stream, text }: { seq: number; stream: string; text: string }) {
  return (
    <div className={`log-line log-${stream}`}>
      <span className="log-seq" aria-hidden="true">
        {seq}
      </span>
      <span className="log-text">
        {parseAnsi(text).map((s, i) =>
          s.className ? (
            <span key={i} className={s.className}>
              {withEsc(s.text)}
            </span>
          ) : (
            <Fragment key={i}>{withEsc(s.text)}</Fragment>
          ),
        )}
      </span>
    </div>
  );
});

/**
 * A virtualised view of a run's log: only the lines in view (plus a margin) are in the DOM, so a
 * million lines draw as fast as fifty. Follows the end while the reader is at the end. Every line
 * is React text: markup, links and escape sequences in task output stay inert.
 */
export function LogView({
  buffer,
  version,
  label,
  maxHeight = 460,
}: {
  buffer: LogBuffer;
  version: number;
  label: string;
  maxHeight?: number;
}) {
  // Short logs take the room they need; long ones scroll inside a fixed box.
  const height = Math.min(maxHeight, Math.max(buffer.count, 6) * ROW + 2);
  const scroller = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const follow = useRef(true);
  const count = buffer.count;
  const natural = count * ROW;
  const total = Math.min(natural, MAX_SCROLL_PX);
  const visibleRows = Math.ceil(height / ROW);
  const maxTop = Math.max(0, total - height);
  // Which line is first in view: direct when unscaled, proportional when the scrollbar is scaled.
  const first =
    natural <= MAX_SCROLL_PX ? Math.floor(top / ROW) : Math.round((maxTop ? top / maxTop : 0) * Math.max(0, count - visibleRows));
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(count, first + visibleRows + OVERSCAN);
  const offset = natural <= MAX_SCROLL_PX ? start * ROW : top - (first - start) * ROW;

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
    setTop(el.scrollTop);
  }, []);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && follow.current && count > visibleRows) {
      el.scrollTop = el.scrollHeight;
      setTop(el.scrollTop);
    }
  }, [version, count, visibleRows]);

  useEffect(() => {
    follow.current = true;
  }, [buffer]);

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const el = scroller.current;
    if (!el) return;
    if (e.key === 'Home') el.scrollTop = 0;
    else if (e.key === 'End') el.scrollTop = el.scrollHeight;
    else return;
    e.preventDefault();
  };

  const rows = [];
  for (let i = start; i < end; i++) {
    const l = buffer.line(i);
    rows.push(<LogLine key={l.seq} seq={l.seq} stream={l.stream} text={l.text} />);
  }
  return (
    <div
      ref={scroller}
      className="log-view"
      style={{ height }}
      onScroll={onScroll}
      onKeyDown={onKey}
      tabIndex={0}
      role="log"
      aria-label={label}
      aria-live="off"
      data-lines={count}
      data-first={first}
    >
      <div className="log-spacer" style={{ height: Math.max(total, height) }}>
        <div className="log-window" style={{ transform: `translateY(${offset}px)` }}>
          {count === 0 ? <p className="log-empty">No output yet.</p> : rows}
        </div>
      </div>
    </div>
  );
}
