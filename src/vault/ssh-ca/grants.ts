/**
 * Which principals a bundle, or the tasks carrying a tag, may receive in a per-run certificate, with
 * the critical options the admin set (force-command, source-address). Authorization state: sealed
 * with the admin key, re-checked before every use.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../../kernel';
import { checkSeal, writeSeal, type Signer } from '../../store';

const SCOPE = 'vault.sshGrants';

export const PRINCIPAL_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;
/** An address list as sshd's source-address reads it: comma-separated addresses or CIDR blocks. */
export const SOURCE_ADDRESS_RE = /^[0-9a-fA-F:.]+(\/\d{1,3})?(,[0-9a-fA-F:.]+(\/\d{1,3})?)*$/;

export interface SshGrant {
  kind: 'bundle' | 'tag';
  subject: string;
  principals: string[];
  forceCommand: string | null;
  sourceAddress: string | null;
  grantedAt: string;
  grantedBy: string;
}

interface Row {
  subject_kind: string;
  subject: string;
  principals: string;
  force_command: string | null;
  source_address: string | null;
  granted_at: string;
  granted_by: string;
}

const sealRows = (rows: Row[]) => new Map(rows.map((r) => [`${r.subject_kind}:${r.subject}`, { ...r }]));

export function sealSshGrants(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(db.prepare('SELECT * FROM ssh_grants').all() as Row[]), signer, new Date().toISOString());
}

function checkedRows(db: ReadonlyDb): Row[] {
  const rows = db.prepare('SELECT * FROM ssh_grants ORDER BY subject_kind, subject').all() as Row[];
  checkSeal(db, SCOPE, 'the SSH principals bundles may receive', sealRows(rows));
  return rows;
}

export function listSshGrants(db: ReadonlyDb): SshGrant[] {
  return checkedRows(db).map((r) => ({
    kind: r.subject_kind === 'tag' ? 'tag' : 'bundle',
    subject: r.subject,
    principals: JSON.parse(r.principals) as string[],
    forceCommand: r.force_command,
    sourceAddress: r.source_address,
    grantedAt: r.granted_at,
    grantedBy: r.granted_by,
  }));
}

/** Sets (or, with no principals, removes) what one bundle or tag may receive. */
export function setSshGrant(
  db: Database,
  grant: {
    kind: 'bundle' | 'tag';
    subject: string;
    principals: readonly string[];
    forceCommand?: string | null;
    sourceAddress?: string | null;
  },
  by: string,
  now: string,
  signer: Signer,
): SshGrant | null {
  checkedRows(db);
  for (const p of grant.principals) {
    if (!PRINCIPAL_RE.test(p))
      throw new ApiError('INVALID_INPUT', `"${p}" cannot be a principal: use letters, digits, "_", ".", "@" and "-" (at most 64).`);
  }
  if (grant.sourceAddress && !SOURCE_ADDRESS_RE.test(grant.sourceAddress))
    throw new ApiError(
      'INVALID_INPUT',
      `"${grant.sourceAddress}" is not an address list: give addresses or CIDR blocks separated by commas (10.0.0.0/8,192.0.2.7).`,
    );
  if (
    grant.forceCommand !== undefined &&
    grant.forceCommand !== null &&
    (grant.forceCommand.trim() === '' || grant.forceCommand.includes('\0'))
  )
    throw new ApiError('INVALID_INPUT', 'The force-command must be a non-empty command line.');
  db.prepare('DELETE FROM ssh_grants WHERE subject_kind = ? AND subject = ?').run(grant.kind, grant.subject);
  if (grant.principals.length > 0) {
    db.prepare(
      'INSERT INTO ssh_grants(subject_kind, subject, principals, force_command, source_address, granted_at, granted_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(
      grant.kind,
      grant.subject,
      JSON.stringify([...new Set(grant.principals)].sort()),
      grant.forceCommand ?? null,
      grant.sourceAddress ?? null,
      now,
      by,
    );
  }
  sealSshGrants(db, signer);
  return listSshGrants(db).find((g) => g.kind === grant.kind && g.subject === grant.subject) ?? null;
}

/** The grants that apply to a task of `bundle` with `tags`: the bundle's own, and those of its tags. */
function grantsFor(db: ReadonlyDb, bundle: string, tags: readonly string[]): SshGrant[] {
  const lower = new Set(tags.map((t) => t.toLowerCase()));
  return listSshGrants(db).filter((g) => (g.kind === 'bundle' ? g.subject === bundle : lower.has(g.subject.toLowerCase())));
}

/**
 * The declared principals no grant allows for a task of `bundle` with `tags`, as they stand now: what
 * an import and the task page warn about (runs check again when they start). Grants whose seal does
 * not verify allow nothing, so then every principal is named.
 */
export function principalsNotAllowed(db: ReadonlyDb, bundle: string, tags: readonly string[], declared: readonly string[]): string[] {
  let grants: SshGrant[];
  try {
    grants = grantsFor(db, bundle, tags);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'VERIFY_FAILED') return [...declared];
    throw error;
  }
  return declared.filter((p) => !grants.some((g) => g.principals.includes(p)));
}

/** What one credential of a task gets: the principals both declared and allowed, and the options of the grants that allowed them. */
export interface AllowedPrincipals {
  principals: string[];
  refused: string[];
  critical: Record<string, string>;
}

/**
 * The principals a task of `bundle` (with `tags`) may receive out of `declared`. A principal the
 * admin did not allow is never in a certificate; when the grants that allow the used principals set
 * different options, the run is refused rather than guessing which one applies.
 */
export function allowedPrincipals(db: ReadonlyDb, bundle: string, tags: readonly string[], declared: readonly string[]): AllowedPrincipals {
  const grants = grantsFor(db, bundle, tags);
  const principals: string[] = [];
  const refused: string[] = [];
  const used = new Set<SshGrant>();
  for (const p of declared) {
    const by = grants.filter((g) => g.principals.includes(p));
    if (by.length === 0) refused.push(p);
    else {
      principals.push(p);
      for (const g of by) used.add(g);
    }
  }
  const critical: Record<string, string> = {};
  for (const [option, pick] of [
    ['force-command', (g: SshGrant) => g.forceCommand],
    ['source-address', (g: SshGrant) => g.sourceAddress],
  ] as const) {
    const values = new Set([...used].map(pick));
    if (values.size > 1) {
      throw new ApiError(
        'POLICY_DENIED',
        `The grants that allow this task's principals set different ${option} options; an admin must make them agree on the SSH certificate authority screen or with the command line.`,
      );
    }
    const [value] = [...values];
    if (value) critical[option] = value;
  }
  return { principals, refused, critical };
}
