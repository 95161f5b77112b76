/**
 * A journal of files being written outside the home folder (an audit export's hidden
 * `.NAME.RANDOM.partial` on removable media): each is recorded here before its first byte is
 * written and forgotten once it was renamed into place or removed. A process killed in between
 * leaves the record, and the next start or export removes the partial file it names, so partials
 * do not pile up on the media. One small file per partial (`HOME/partials/<random>.json`, 0600, the
 * path and the writer's pid, nothing else), so two processes never rewrite each other's records.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { ensurePrivateDir, layoutOf, writeFileAtomic } from './files';
import { isProcessAlive } from '../kernel';

/** Only names the writers make are ever removed: `.NAME.<hex>.partial`. */
const PARTIAL_NAME = /^\..+\.[0-9a-f]{8,}\.partial$/;

export class PartialFiles {
  private readonly dir: string;

  constructor(home: string) {
    this.dir = layoutOf(home).partials;
  }

  /** Records `path` before it is written; call the function returned once it is renamed or removed. */
  begin(path: string): () => void {
    ensurePrivateDir(this.dir);
    const record = join(this.dir, `${randomBytes(8).toString('hex')}.json`);
    writeFileAtomic(record, JSON.stringify({ path, pid: process.pid }));
    return () => rmSync(record, { force: true });
  }

  /**
   * Removes the partial files of writers that are gone (their pid no longer runs) and forgets their
   * records; returns the paths removed. A writer still running (this process included) is left alone.
   */
  sweep(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const name of names) {
      const record = join(this.dir, name);
      let entry: { path?: unknown; pid?: unknown };
      try {
        entry = JSON.parse(readFileSync(record, 'utf8')) as typeof entry;
      } catch {
        rmSync(record, { force: true });
        continue;
      }
      const { path, pid } = entry;
      if (typeof pid === 'number' && Number.isSafeInteger(pid) && isProcessAlive(pid)) continue;
      if (typeof path === 'string' && isAbsolute(path) && PARTIAL_NAME.test(basename(path))) {
        let isFile = false;
        try {
          isFile = lstatSync(path).isFile();
        } catch {
          // Already gone (the media was cleaned, or it was renamed into place just before the kill).
        }
        if (isFile) {
          rmSync(path, { force: true });
          removed.push(path);
        }
      }
      rmSync(record, { force: true });
    }
    return removed;
  }
}
