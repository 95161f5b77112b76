/**
 * The bundle catalog: imported bundles (one name@version -> exactly one image), their tasks, and
 * whether each task may run *now*. Status is decided at read time from the revocations, trust roots,
 * signature setting and tag policy as they are, so an admin's change takes effect at once, for the
 * lists and for the runner alike (catalogBundlePort).
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, preparedOnce, type ReadonlyDb } from '../kernel';
import { isDigest } from '../oci';
import { evaluateTask, type TagPolicy } from './policy';
import { readPolicy } from './policy-store';
import { revocationMap, type Revocation } from './revocation';
import { codebundleSchema, type Codebundle, type CodebundleTask } from './schema';
import { compareVersions } from './semver';
import { BUNDLE_SETTINGS } from './settings';
import { readSettings } from '../store';
import { activeFingerprints } from './trust-roots';

export type SignatureFormatRecord = 'cosign-classic' | 'sigstore-bundle' | 'detached' | 'none';

export interface BundleRecord {
  id: number;
  name: string;
  version: string;
  /** The image manifest digest (what was signed, or the platform manifest of a signed index). */
  digest: string;
  indexDigest: string | null;
  /** The config digest: the id the engine knows the image by. */
  imageId: string;
  /** The engine tag that holds this catalog's reference to the image. */
  engineTag: string;
  description: string;
  maintainer: string;
  codebundle: Codebundle;
  /** Bytes of config and layers, as fetched. */
  size: number;
  source: { kind: string; location: string; ref: string; insecure: boolean };
  signature: { format: SignatureFormatRecord; signerFingerprint: string | null; signedDigest: string | null };
  importedAt: string;
  importedBy: string;
  imageRemovedAt: string | null;
}

export type NewBundle = Omit<BundleRecord, 'id' | 'imageRemovedAt'>;

interface Row {
  id: number;
  name: string;
  version: string;
  digest: string;
  index_digest: string | null;
  image_id: string;
  engine_tag: string;
  description: string;
  maintainer: string;
  codebundle: string;
  size: number;
  source_kind: string;
  source_location: string;
  source_ref: string;
  source_insecure: number;
  signature_format: string;
  signer_fingerprint: string | null;
  signed_digest: string | null;
  imported_at: string;
  imported_by: string;
  image_removed_at: string | null;
}

/**
 * Stored codebundles as the schema validated them, by their exact stored text: the answer for one
 * text never changes, so a text is parsed and validated once, not on every run. Each caller gets
 * its own copy, so none can change what another reads. The oldest entries go first past the bound.
 */
const validated = new Map<string, Codebundle>();
const VALIDATED_MAX = 64;

function storedCodebundle(text: string): Codebundle {
  let codebundle = validated.get(text);
  if (!codebundle) {
    codebundle = codebundleSchema.parse(JSON.parse(text));
    if (validated.size >= VALIDATED_MAX) validated.delete(validated.keys().next().value!);
    validated.set(text, codebundle);
  }
  return structuredClone(codebundle);
}

function toRecord(r: Row): BundleRecord {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    digest: r.digest,
    indexDigest: r.index_digest,
    imageId: r.image_id,
    engineTag: r.engine_tag,
    description: r.description,
    maintainer: r.maintainer,
    codebundle: storedCodebundle(r.codebundle),
    size: r.size,
    source: { kind: r.source_kind, location: r.source_location, ref: r.source_ref, insecure: r.source_insecure === 1 },
    signature: {
      format: r.signature_format as SignatureFormatRecord,
      signerFingerprint: r.signer_fingerprint,
      signedDigest: r.signed_digest,
    },
    importedAt: r.imported_at,
    importedBy: r.imported_by,
    imageRemovedAt: r.image_removed_at,
  };
}

const shortDigest = (digest: string) => `${digest.slice(0, 19)}…`;

// --- bundles ---

export function bundleByDigest(db: ReadonlyDb, digest: string): BundleRecord | undefined {
  const row = db.prepare('SELECT * FROM bundles WHERE digest = ?').get(digest) as Row | undefined;
  return row ? toRecord(row) : undefined;
}

export function bundleByNameVersion(db: ReadonlyDb, name: string, version: string): BundleRecord | undefined {
  const row = db.prepare('SELECT * FROM bundles WHERE name = ? AND version = ?').get(name, version) as Row | undefined;
  return row ? toRecord(row) : undefined;
}

/** What decides whether a bundle may run (bundleBlock), without its codebundle. */
export type BundleStanding = Pick<BundleRecord, 'name' | 'version' | 'digest' | 'indexDigest' | 'imageId' | 'imageRemovedAt'> & {
  signature: Pick<BundleRecord['signature'], 'signerFingerprint'>;
};

/**
 * A bundle's standing by digest, read at each run's submission and again at its start: the columns
 * bundleBlock reads, so the stored codebundle is not parsed and validated again just to admit a run.
 */
function standingByDigest(db: ReadonlyDb, digest: string): BundleStanding | undefined {
  const row = preparedOnce(
    db,
    'SELECT name, version, digest, index_digest, image_id, signer_fingerprint, image_removed_at FROM bundles WHERE digest = ?',
  ).get(digest) as
    Pick<Row, 'name' | 'version' | 'digest' | 'index_digest' | 'image_id' | 'signer_fingerprint' | 'image_removed_at'> | undefined;
  if (!row) return undefined;
  return {
    name: row.name,
    version: row.version,
    digest: row.digest,
    indexDigest: row.index_digest,
    imageId: row.image_id,
    imageRemovedAt: row.image_removed_at,
    signature: { signerFingerprint: row.signer_fingerprint },
  };
}

/** The newest version of one name (only that row's codebundle is parsed). */
function newestByName(db: ReadonlyDb, name: string): BundleRecord | undefined {
  const rows = preparedOnce(db, 'SELECT * FROM bundles WHERE name = ?').all(name) as Row[];
  const newest = rows.reduce<Row | undefined>((best, r) => (!best || compareVersions(r.version, best.version) > 0 ? r : best), undefined);
  return newest ? toRecord(newest) : undefined;
}

/** Every bundle, by name, newest version first. */
export function listBundleRecords(db: ReadonlyDb): BundleRecord[] {
  const all = (db.prepare('SELECT * FROM bundles').all() as Row[]).map(toRecord);
  return all.sort((a, b) => (a.name === b.name ? compareVersions(b.version, a.version) : a.name < b.name ? -1 : 1));
}

/**
 * `NAME` (its newest version), `NAME@VERSION`, or a digest (manifest, index or image id).
 * NOT_FOUND says what to do.
 */
export function findBundle(db: ReadonlyDb, ref: string): BundleRecord {
  const text = ref.trim();
  let found: BundleRecord | undefined;
  if (isDigest(text)) {
    const row = db
      .prepare('SELECT * FROM bundles WHERE digest = ? OR index_digest = ? OR image_id = ? ORDER BY id LIMIT 1')
      .get(text, text, text) as Row | undefined;
    found = row ? toRecord(row) : undefined;
  } else {
    const at = text.indexOf('@');
    const name = at >= 0 ? text.slice(0, at) : text;
    const version = at >= 0 ? text.slice(at + 1) : undefined;
    found = version ? bundleByNameVersion(db, name, version) : newestByName(db, name);
  }
  if (!found)
    throw new ApiError(
      'NOT_FOUND',
      `No imported bundle matches "${text.slice(0, 200)}". See \`bundle list\`, or import it with \`bundle import\`.`,
    );
  return found;
}

/**
 * Records an imported bundle and its tasks. Call inside the transaction of the audit event. A
 * name@version already recorded with another image is CONFLICT (checked again here, in the
 * transaction, so two importers cannot both win).
 */
export function insertBundle(db: Database, bundle: NewBundle): BundleRecord {
  const clash = bundleByNameVersion(db, bundle.name, bundle.version);
  if (clash) throw nameVersionConflict(bundle.name, bundle.version, clash.digest, bundle.digest);
  if (bundleByDigest(db, bundle.digest)) throw new ApiError('CONFLICT', `The digest ${bundle.digest} is already in the catalog.`);
  const result = db
    .prepare(
      `INSERT INTO bundles (name, version, digest, index_digest, image_id, engine_tag, description, maintainer, codebundle, size,
         source_kind, source_location, source_ref, source_insecure, signature_format, signer_fingerprint, signed_digest, imported_at, imported_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      bundle.name,
      bundle.version,
      bundle.digest,
      bundle.indexDigest,
      bundle.imageId,
      bundle.engineTag,
      bundle.description,
      bundle.maintainer,
      JSON.stringify(bundle.codebundle),
      bundle.size,
      bundle.source.kind,
      bundle.source.location,
      bundle.source.ref,
      bundle.source.insecure ? 1 : 0,
      bundle.signature.format,
      bundle.signature.signerFingerprint,
      bundle.signature.signedDigest,
      bundle.importedAt,
      bundle.importedBy,
    );
  const id = Number(result.lastInsertRowid);
  const insertTask = db.prepare(
    'INSERT INTO bundle_tasks (bundle_id, task_id, title, description, tags, access, position) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  bundle.codebundle.tasks.forEach((task, position) => {
    insertTask.run(id, task.id, task.title, task.description ?? '', JSON.stringify(task.tags), task.access, position);
  });
  return toRecord(db.prepare('SELECT * FROM bundles WHERE id = ?').get(id) as Row);
}

export function nameVersionConflict(name: string, version: string, recorded: string, offered: string): ApiError {
  return new ApiError(
    'CONFLICT',
    `${name}@${version} is already in the catalog as ${recorded}, and this image is ${offered}: one name@version maps to exactly one image. The publisher must release a new version; do not reuse a version number.`,
  );
}

/** prune: the image is no longer in the engine (null: loaded again). */
export function setImageRemoved(db: Database, id: number, at: string | null): void {
  db.prepare('UPDATE bundles SET image_removed_at = ? WHERE id = ?').run(at, id);
}

// --- status: decided now, from the catalog as it is ---

export interface StatusContext {
  policy: TagPolicy;
  revocations: Map<string, Revocation>;
  trusted: Set<string>;
  signaturesOptional: boolean;
}

/** Whether an admin lets unsigned bundles in (recorded on every import that uses it). */
export function readSignaturesOptional(db: ReadonlyDb): boolean {
  return readSettings(db, BUNDLE_SETTINGS)['bundles.signaturesOptional'] === true;
}

export function statusContext(db: ReadonlyDb): StatusContext {
  return {
    policy: readPolicy(db),
    revocations: revocationMap(db),
    trusted: activeFingerprints(db),
    signaturesOptional: readSignaturesOptional(db),
  };
}

export function revocationOf(bundle: Pick<BundleRecord, 'digest' | 'indexDigest' | 'imageId'>, ctx: StatusContext): Revocation | undefined {
  for (const digest of [bundle.digest, bundle.indexDigest, bundle.imageId]) {
    const r = digest ? ctx.revocations.get(digest) : undefined;
    if (r) return r;
  }
  return undefined;
}

/** Why no task of this bundle may run now, or null when the bundle itself is fine. */
export function bundleBlock(bundle: BundleStanding, ctx: StatusContext): { state: BundleState; reason: string } | null {
  const revoked = revocationOf(bundle, ctx);
  if (revoked) {
    return {
      state: 'revoked',
      reason: `the bundle's digest ${shortDigest(revoked.digest)} was revoked by ${revoked.revokedBy} at ${revoked.revokedAt}: ${revoked.reason}`,
    };
  }
  const signer = bundle.signature.signerFingerprint;
  if (signer && !ctx.trusted.has(signer)) {
    return {
      state: 'untrusted',
      reason: `it was signed by the key ${signer.slice(0, 16)}…, which has been removed from the trust roots; an admin can add it back to the trust roots`,
    };
  }
  if (!signer && !ctx.signaturesOptional) {
    return {
      state: 'untrusted',
      reason: 'it was imported unsigned while signatures were optional, and signatures are now required; import a signed copy',
    };
  }
  if (bundle.imageRemovedAt) {
    return {
      state: 'image-removed',
      reason: `its image was removed from the engine at ${bundle.imageRemovedAt} (unused images pruned); import it again to run it`,
    };
  }
  return null;
}

export type BundleState = 'active' | 'revoked' | 'untrusted' | 'image-removed';

export interface TaskStatus {
  enabled: boolean;
  reason: string;
}

export function taskStatus(bundle: BundleStanding, task: Pick<CodebundleTask, 'tags' | 'access'>, ctx: StatusContext): TaskStatus {
  const block = bundleBlock(bundle, ctx);
  if (block) return { enabled: false, reason: `disabled: ${block.reason}` };
  const decision = evaluateTask({ tags: task.tags, access: task.access }, ctx.policy);
  return { enabled: decision.allowed, reason: decision.reason };
}

export interface TaskView {
  bundle: string;
  version: string;
  digest: string;
  id: string;
  title: string;
  description: string;
  tags: string[];
  access: 'read-only' | 'read-write';
  enabled: boolean;
  reason: string;
}

export function taskViews(bundle: BundleRecord, ctx: StatusContext): TaskView[] {
  return bundle.codebundle.tasks.map((task) => ({
    bundle: bundle.name,
    version: bundle.version,
    digest: bundle.digest,
    id: task.id,
    title: task.title,
    description: task.description ?? '',
    tags: task.tags,
    access: task.access,
    ...taskStatus(bundle, task, ctx),
  }));
}

/** A task a tag-policy change would flip, with its status and why under the proposed policy. */
export interface PolicyFlip {
  bundle: string;
  version: string;
  task: string;
  title: string;
  reason: string;
}

/**
 * What `proposed` would change if saved: the tasks of imported bundles it would make usable and those
 * it would make unusable (a task blocked for another reason, e.g. a revoked bundle, stays as it is).
 */
export function previewPolicy(db: ReadonlyDb, proposed: TagPolicy): { usable: PolicyFlip[]; unusable: PolicyFlip[] } {
  const now = statusContext(db);
  const then: StatusContext = { ...now, policy: proposed };
  const usable: PolicyFlip[] = [];
  const unusable: PolicyFlip[] = [];
  for (const bundle of listBundleRecords(db)) {
    for (const task of bundle.codebundle.tasks) {
      const before = taskStatus(bundle, task, now);
      const after = taskStatus(bundle, task, then);
      if (before.enabled === after.enabled) continue;
      const flip = { bundle: bundle.name, version: bundle.version, task: task.id, title: task.title, reason: after.reason };
      (after.enabled ? usable : unusable).push(flip);
    }
  }
  return { usable, unusable };
}

/** Tasks of every bundle (or of one bundle name, every version), with their status now. */
export function listTasks(db: ReadonlyDb, options: { bundle?: string } = {}): TaskView[] {
  const ctx = statusContext(db);
  let bundles = listBundleRecords(db);
  if (options.bundle !== undefined) {
    bundles = options.bundle.includes('@') ? [findBundle(db, options.bundle)] : bundles.filter((b) => b.name === options.bundle);
    if (bundles.length === 0)
      throw new ApiError('NOT_FOUND', `No imported bundle is named "${options.bundle.slice(0, 100)}". See \`bundle list\`.`);
  }
  return bundles.flatMap((b) => taskViews(b, ctx));
}

export interface BundleView {
  record: BundleRecord;
  state: BundleState;
  reason: string;
  enabledTasks: number;
  disabledTasks: number;
}

export function bundleView(bundle: BundleRecord, ctx: StatusContext): BundleView {
  const block = bundleBlock(bundle, ctx);
  const tasks = taskViews(bundle, ctx);
  return {
    record: bundle,
    state: block?.state ?? 'active',
    reason: block?.reason ?? '',
    enabledTasks: tasks.filter((t) => t.enabled).length,
    disabledTasks: tasks.filter((t) => !t.enabled).length,
  };
}

/**
 * Bundles whose image no longer needs to be in the engine: nothing of them may run (revoked,
 * untrusted), or a newer version of the same bundle is in the catalog with its image.
 */
export function pruneCandidates(db: ReadonlyDb): Array<{ bundle: BundleRecord; why: string }> {
  const ctx = statusContext(db);
  const all = listBundleRecords(db).filter((b) => !b.imageRemovedAt);
  const out: Array<{ bundle: BundleRecord; why: string }> = [];
  for (const bundle of all) {
    const block = bundleBlock(bundle, ctx);
    if (block) {
      out.push({ bundle, why: block.state });
      continue;
    }
    const newer = all.find((b) => b.name === bundle.name && compareVersions(b.version, bundle.version) > 0 && !bundleBlock(b, ctx));
    if (newer) out.push({ bundle, why: `superseded by ${newer.version}` });
  }
  return out;
}

// --- what the runner asks of the catalog (runner/, through BundlePort) ---

/** A bundle as the runner runs it: by image id, never by tag. */
export interface RunnableBundle {
  name: string;
  version: string;
  /** Manifest digest the bundle was imported (and signed) as. */
  digest: string;
  /** The image id (config digest) the engine loaded: runs always use it, never a tag. */
  imageId: string;
  codebundle: Codebundle;
}

export type Admission = { allowed: true } | { allowed: false; reason: string };

/**
 * What the runner needs from the catalog: find an imported bundle, and decide whether one of its
 * tasks may run now (tag policy and revocation, checked at submission and again at start). The
 * catalog provides it (catalogBundlePort); tests may give their own.
 */
export interface BundlePort {
  /** By `name` (newest version), `name@version` or digest; throws NOT_FOUND naming what to do. */
  resolve(db: ReadonlyDb, ref: string): RunnableBundle;
  /** Tag policy and revocation, as they are now. */
  admit(db: ReadonlyDb, bundle: RunnableBundle, task: CodebundleTask): Admission;
}

export const catalogBundlePort: BundlePort = {
  resolve(db: ReadonlyDb, ref: string): RunnableBundle {
    const b = findBundle(db, ref);
    return { name: b.name, version: b.version, digest: b.digest, imageId: b.imageId, codebundle: b.codebundle };
  },
  admit(db: ReadonlyDb, bundle: RunnableBundle, task: CodebundleTask) {
    const record = standingByDigest(db, bundle.digest);
    if (!record) return { allowed: false, reason: `the bundle ${bundle.name}@${bundle.version} is no longer in the catalog` };
    const status = taskStatus(record, task, statusContext(db));
    return status.enabled ? { allowed: true } : { allowed: false, reason: status.reason };
  },
};
