/**
 * Our throttle on token PINs (docs/credentials.md): softhsm2 and many tokens never slow a PIN
 * guesser down, and a token that does lock itself is a site-wide outage. Wrong PINs per token are
 * counted in the store (so the count holds across CLI processes); from the third on, the next try
 * must wait 5 s, doubling up to 15 minutes. A right PIN clears the count.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError } from '../../kernel';
import type { TokenRef } from '../ssh-ca/cas';

export interface PinGuard {
  /** Throws LOCKED while the token must wait. */
  before(ref: TokenRef): void;
  /** Counts a wrong PIN; returns the error to throw (saying how long the next try waits). */
  failed(ref: TokenRef, error: ApiError): ApiError;
  succeeded(ref: TokenRef): void;
}

export const FREE_TRIES = 3;
const BASE_WAIT_MS = 5000;
const MAX_WAIT_MS = 15 * 60 * 1000;

/** How long after the last wrong PIN the next try must wait, after `failures` wrong PINs. */
export function pinWaitMs(failures: number): number {
  if (failures < FREE_TRIES) return 0;
  return Math.min(MAX_WAIT_MS, BASE_WAIT_MS * 2 ** (failures - FREE_TRIES));
}

const keyOf = (ref: TokenRef) => `${ref.module}|${ref.token}`;

export function storePinGuard(db: Database, now: () => Date): PinGuard {
  const row = (ref: TokenRef) =>
    db.prepare('SELECT failures, last_at FROM token_pin_failures WHERE token = ?').get(keyOf(ref)) as
      { failures: number; last_at: string } | undefined;
  return {
    before(ref) {
      const r = row(ref);
      if (!r) return;
      const left = Date.parse(r.last_at) + pinWaitMs(r.failures) - now().getTime();
      if (left > 0) {
        throw new ApiError(
          'LOCKED',
          `${r.failures} wrong PINs were given for the token "${ref.token}"; the next try is possible in ${Math.ceil(left / 1000)} s.`,
        );
      }
    },
    failed(ref, error) {
      const failures = (row(ref)?.failures ?? 0) + 1;
      db.prepare(
        'INSERT INTO token_pin_failures(token, failures, last_at) VALUES (?, ?, ?) ON CONFLICT(token) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at',
      ).run(keyOf(ref), failures, now().toISOString());
      const wait = pinWaitMs(failures);
      return new ApiError(
        error.code,
        wait > 0
          ? `${error.message} After ${failures} wrong PINs the next try waits ${Math.ceil(wait / 1000)} s.`
          : `${error.message} ${FREE_TRIES - failures} more ${FREE_TRIES - failures === 1 ? 'try' : 'tries'} before each one must wait.`,
      );
    },
    succeeded(ref) {
      db.prepare('DELETE FROM token_pin_failures WHERE token = ?').run(keyOf(ref));
    },
  };
}
