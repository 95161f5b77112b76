/** Run ids: short enough to type (`runs show r-…`), random enough to never collide, container-name safe. */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

export function newRunId(): string {
  const bytes = randomBytes(10);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `r-${out}`;
}

export const RUN_ID_RE = /^r-[a-z0-9]{10}$/;
