import { ApiError } from '../../kernel';

/** Why an archive was refused; tests and callers match on this, users read the message. */
export type TarRefusal =
  | 'traversal'
  | 'absolute-path'
  | 'symlink'
  | 'hard-link'
  | 'special-file'
  | 'duplicate'
  | 'oversize'
  | 'too-many-entries'
  | 'truncated'
  | 'bad-header'
  | 'bad-path';

export class TarError extends ApiError {
  readonly reason: TarRefusal;
  readonly entryPath: string | undefined;
  constructor(reason: TarRefusal, message: string, entryPath?: string) {
    super('VERIFY_FAILED', `${message} The archive was refused as a whole; nothing from it was kept. Get a clean copy from the source.`);
    this.name = 'TarError';
    this.reason = reason;
    this.entryPath = entryPath;
  }
}

/** Quotes an entry name for a message without letting control characters through. */
export function shown(path: string): string {
  const clean = [...path].map((c) => (c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f) ? '?' : c)).join('');
  return JSON.stringify(clean.length > 120 ? `${clean.slice(0, 120)}…` : clean);
}
