import { useCallback, useState } from 'react';
import type { ApiErrorShape } from './client';

/** What went wrong: the core's `{ code, message }`, or a sentence from the form itself. */
export type Problem = ApiErrorShape | string | null;

/**
 * One user action (a form submit, a button): `busy` while it runs, then the problem it returned,
 * if any, for an ErrorNotice. The action returns its problem, or nothing when it succeeded.
 */
export function useAction() {
  const [error, setError] = useState<Problem>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (action: () => Promise<Problem | undefined | void>) => {
    setBusy(true);
    setError(null);
    try {
      setError((await action()) ?? null);
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, busy, run };
}
