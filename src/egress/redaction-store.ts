/**
 * What redaction keeps in the encrypted store (tables of migration 0005): the pseudonym key (meta
 * `redact_pseudonym_key`), the reverse map token -> original, and the site's patterns. Nothing
 * here leaves the workstation; the engine in src/redact stays pure over text.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';
import { checkSeal, getMetaFrom, writeSeal, type Signer } from '../store';
import { validateSitePattern, type RedactAction, type SitePattern } from '../redact';

export function pseudonymKey(db: ReadonlyDb): Buffer {
  const value = getMetaFrom(db, 'redact_pseudonym_key');
  if (!value) throw new Error('the store has no pseudonym key (migration 0005 did not run)');
  return Buffer.from(value, 'base64');
}

export function recordPseudonym(db: Database, kind: string, token: string, original: string, now: string): void {
  db.prepare('INSERT OR IGNORE INTO pseudonyms(token, kind, original, first_seen) VALUES (?, ?, ?, ?)').run(token, kind, original, now);
}

export function pseudonymOriginal(db: ReadonlyDb, token: string): string | undefined {
  return (db.prepare('SELECT original FROM pseudonyms WHERE token = ?').get(token) as { original: string } | undefined)?.original;
}

/** Pseudonyms look like `host-7f3a2c`, `site-name-0a1b2c3d`: a kind, "-", 6 to 64 hex digits. */
export const PSEUDONYM_TOKEN = /\b[a-z][a-z0-9-]{0,31}-[0-9a-f]{6,64}\b/g;

/** Replaces every pseudonym this workstation issued in `text` with its original (local use only). */
export function unmapText(db: ReadonlyDb, text: string): string {
  return unmapTextCounted(db, text).text;
}

/** As unmapText, also counting the tokens mapped and naming token-shaped words the map does not hold. */
export function unmapTextCounted(db: ReadonlyDb, text: string): { text: string; mapped: number; unknown: string[] } {
  const lookup = db.prepare('SELECT original FROM pseudonyms WHERE token = ?');
  let mapped = 0;
  const unknown = new Set<string>();
  const out = text.replace(PSEUDONYM_TOKEN, (token) => {
    const original = (lookup.get(token) as { original: string } | undefined)?.original;
    if (original === undefined) {
      unknown.add(token);
      return token;
    }
    mapped += 1;
    return original;
  });
  return { text: out, mapped, unknown: [...unknown] };
}

export interface StoredPattern extends SitePattern {
  createdBy: string;
  createdAt: string;
}

const SCOPE = 'egress.redactionPatterns';

type PatternRow = { name: string; regex: string; action: RedactAction; created_by: string; created_at: string };

const sealRows = (rows: PatternRow[]) => new Map(rows.map((r) => [r.name, { ...r }]));

/** Re-signs the site patterns with the admin key (src/store/seals.ts). */
export function sealPatterns(db: Database, signer: Signer): void {
  const rows = db.prepare('SELECT name, regex, action, created_by, created_at FROM redaction_patterns').all() as PatternRow[];
  writeSeal(db, SCOPE, sealRows(rows), signer, new Date().toISOString());
}

/** The site's patterns, after checking the admin seal: a pattern removed outside the app would let data leave unmasked. */
export function listPatterns(db: ReadonlyDb): StoredPattern[] {
  const rows = db.prepare('SELECT name, regex, action, created_by, created_at FROM redaction_patterns ORDER BY name').all() as PatternRow[];
  checkSeal(db, SCOPE, 'the site redaction patterns', sealRows(rows));
  return rows.map((r) => ({ name: r.name, regex: r.regex, action: r.action, createdBy: r.created_by, createdAt: r.created_at }));
}

export function addPattern(db: Database, pattern: SitePattern, by: string, now: string, signer: Signer): StoredPattern {
  listPatterns(db);
  const p = validateSitePattern(pattern);
  if (db.prepare('SELECT 1 FROM redaction_patterns WHERE name = ?').get(p.name)) {
    throw new ApiError(
      'CONFLICT',
      `A pattern named "${p.name}" exists. Remove it first ("redact patterns remove ${p.name}") or pick another name.`,
    );
  }
  db.prepare('INSERT INTO redaction_patterns(name, regex, action, created_by, created_at) VALUES (?, ?, ?, ?, ?)').run(
    p.name,
    p.regex,
    p.action,
    by,
    now,
  );
  sealPatterns(db, signer);
  return { ...p, createdBy: by, createdAt: now };
}

export function removePattern(db: Database, name: string, signer: Signer): void {
  listPatterns(db);
  if (db.prepare('DELETE FROM redaction_patterns WHERE name = ?').run(name).changes === 0) {
    throw new ApiError('NOT_FOUND', `No redaction pattern named "${name}". List them with "redact patterns list".`);
  }
  sealPatterns(db, signer);
}
