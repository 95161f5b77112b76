/**
 * The tag policy as the catalog keeps it (one row per pattern). The rules themselves are in
 * policy.ts; the migration seeds the default (deny access:read-write).
 */
import { preparedOnce, type ReadonlyDb } from '../kernel';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { checkSeal, writeSeal, type Signer } from '../store';
import { tagPolicySchema, type TagPolicy } from './policy';

const SCOPE = 'bundles.tagPolicy';

type PolicyRow = { kind: 'allow' | 'deny'; pattern: string };

const sealRows = (rows: PolicyRow[]) => new Map(rows.map((r) => [`${r.kind}:${r.pattern}`, { kind: r.kind, pattern: r.pattern }]));

/** Re-signs the tag policy with the admin key (src/store/seals.ts). */
export function sealPolicy(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(db.prepare('SELECT kind, pattern FROM tag_policy').all() as PolicyRow[]), signer, new Date().toISOString());
}

/** The policy, after checking the admin seal (VERIFY_FAILED naming the altered patterns otherwise). */
export function readPolicy(db: ReadonlyDb): TagPolicy {
  const rows = preparedOnce(db, 'SELECT kind, pattern FROM tag_policy ORDER BY added_at, pattern').all() as PolicyRow[];
  checkSeal(db, SCOPE, 'the tag policy', sealRows(rows));
  return {
    allow: rows.filter((r) => r.kind === 'allow').map((r) => r.pattern),
    deny: rows.filter((r) => r.kind === 'deny').map((r) => r.pattern),
  };
}

/** Replaces the policy; patterns already present keep who added them and when. */
export function writePolicy(db: Database, policy: TagPolicy, by: string, now: string, signer: Signer): TagPolicy {
  readPolicy(db);
  const next = tagPolicySchema.parse(policy);
  const keep = new Set([...next.allow.map((p) => `allow\u0000${p}`), ...next.deny.map((p) => `deny\u0000${p}`)]);
  const current = db.prepare('SELECT kind, pattern FROM tag_policy').all() as Array<{ kind: string; pattern: string }>;
  const remove = db.prepare('DELETE FROM tag_policy WHERE kind = ? AND pattern = ?');
  for (const row of current) if (!keep.has(`${row.kind}\u0000${row.pattern}`)) remove.run(row.kind, row.pattern);
  const insert = db.prepare('INSERT OR IGNORE INTO tag_policy (kind, pattern, added_by, added_at) VALUES (?, ?, ?, ?)');
  for (const pattern of next.allow) insert.run('allow', pattern, by, now);
  for (const pattern of next.deny) insert.run('deny', pattern, by, now);
  sealPolicy(db, signer);
  return readPolicy(db);
}
