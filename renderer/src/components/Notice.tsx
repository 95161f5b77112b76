import type { ReactNode } from 'react';
import type { ApiErrorShape } from '../api/client';

/** An API error, announced to screen readers. Shows the core's message, which says what to do. */
export function ErrorNotice({ error }: { error: ApiErrorShape | string | null | undefined }) {
  if (!error) return null;
  const message = typeof error === 'string' ? error : error.message;
  return (
    <div role="alert" className="notice notice-error">
      {message}
    </div>
  );
}

/** A polite status line (saved, checked, done). */
export function StatusNotice({ tone = 'success', children }: { tone?: 'success' | 'info' | 'warning'; children: ReactNode }) {
  return (
    <div role="status" className={`notice notice-${tone}`}>
      {children}
    </div>
  );
}
