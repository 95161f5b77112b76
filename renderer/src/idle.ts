import { useEffect, useRef } from 'react';

const ACTIVITY = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

/** Calls `onIdle` once after `minutes` without keyboard or pointer activity in the window. */
export function useIdleTimer(minutes: number, onIdle: () => void): void {
  const callback = useRef(onIdle);
  callback.current = onIdle;
  useEffect(() => {
    let last = Date.now();
    let fired = false;
    const mark = () => {
      last = Date.now();
    };
    for (const e of ACTIVITY) window.addEventListener(e, mark, { passive: true });
    const timer = window.setInterval(() => {
      if (!fired && Date.now() - last >= minutes * 60_000) {
        fired = true;
        callback.current();
      }
    }, 1_000);
    return () => {
      window.clearInterval(timer);
      for (const e of ACTIVITY) window.removeEventListener(e, mark);
    };
  }, [minutes]);
}
