/** SQL of the engine_nodes and engine_node_images tables (migration 0010). */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';
import type { NodePin, NodeTransport } from '../engine';
import { checkSeal, writeSeal, type Signer } from '../store';

export interface NodeFacts {
  engine: string;
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  rootless: boolean;
  cgroupVersion: string;
  seccomp: boolean;
  pidsLimit: boolean;
  memoryLimit: boolean;
  kernelVersion: string;
  securityOptions: string[];
}

export interface NodeEntry {
  name: string;
  transport: NodeTransport;
  address: string;
  pin: NodePin;
  fingerprint: string;
  labels: Record<string, string>;
  maxConcurrency: number;
  facts: NodeFacts;
  state: 'enabled' | 'refused';
  refusedReason: string | null;
  enrolledBy: string;
  enrolledAt: string;
  pinnedBy: string;
  pinnedAt: string;
  lastSeenAt: string | null;
  /** Set when the node stopped answering during a run (cleared when it answers again). */
  unreachable: { since: string; reason: string } | null;
  images: string[];
}

interface Row {
  name: string;
  transport: NodeTransport;
  address: string;
  pin: string;
  pin_fingerprint: string;
  credential_sealed: string;
  labels: string;
  max_concurrency: number;
  facts: string;
  state: 'enabled' | 'refused';
  refused_reason: string | null;
  enrolled_by: string;
  enrolled_at: string;
  pinned_by: string;
  pinned_at: string;
  last_seen_at: string | null;
  unreachable_since: string | null;
  unreachable_reason: string | null;
}

export interface NewNode {
  name: string;
  transport: NodeTransport;
  address: string;
  pin: NodePin;
  fingerprint: string;
  credentialSealed: string;
  labels: Record<string, string>;
  maxConcurrency: number;
  facts: NodeFacts;
  by: string;
  now: string;
}

const SCOPE = 'nodes.engines';
const WHAT = 'the enrolled nodes table';

/**
 * What the admin seal covers of a node (src/store/seals.ts): everything an admin decides when
 * enrolling or re-pinning it, i.e. where runs go and whom we trust: name, transport, address, the
 * pinned identity and its fingerprint, labels, max concurrency, the engine facts read at that time
 * (the hardening check was made on them), and who enrolled and pinned it when.
 *
 * Left out, each because the app writes it at run time without the admin key and it can only make
 * use stricter, never laxer:
 * - credential_sealed: under the vault key, bound to the node's name (AEAD), re-sealed on every
 *   vault key rotation; altered, it does not open and nothing connects.
 * - state and refused_reason: a run marks a node refused when it presents an identity other than the
 *   pinned one. Un-refusing it with SQL gains nothing: every connection still checks the sealed pin,
 *   and fails the same way; refusing it with SQL only denies runs. A re-pin (sealed) clears it.
 * - unreachable_since and unreachable_reason: a run marks a node that stopped answering; it only keeps
 *   automatic placement away from the node, and the next contact clears it.
 * - last_seen_at, and the engine_node_images table: a record of what runs did (sendImage checks the
 *   image id on the node every time).
 */
function sealRows(rows: Row[]) {
  return new Map(
    rows.map((r) => [
      r.name,
      {
        name: r.name,
        transport: r.transport,
        address: r.address,
        pin: r.pin,
        pin_fingerprint: r.pin_fingerprint,
        labels: r.labels,
        max_concurrency: r.max_concurrency,
        facts: r.facts,
        enrolled_by: r.enrolled_by,
        enrolled_at: r.enrolled_at,
        pinned_by: r.pinned_by,
        pinned_at: r.pinned_at,
      },
    ]),
  );
}

/** Re-signs the enrolled nodes with the admin key (a reseal hook, and after every admin change). */
export function sealNodes(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(db.prepare('SELECT * FROM engine_nodes').all() as Row[]), signer, new Date().toISOString());
}

export function nodeNotFound(name: string): ApiError {
  return new ApiError('NOT_FOUND', `No node named "${name}" is enrolled: check the name against the enrolled nodes.`);
}

export class NodeRecords<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  /** Every node, after checking the admin seal: a node only counts as an admin enrolled and pinned it. */
  private rows(): Row[] {
    const rows = this.db.prepare('SELECT * FROM engine_nodes ORDER BY name').all() as Row[];
    checkSeal(this.db, SCOPE, WHAT, sealRows(rows));
    return rows;
  }

  private row(name: string): Row | undefined {
    return this.rows().find((r) => r.name === name);
  }

  private entry(r: Row): NodeEntry {
    const images = this.db.prepare('SELECT image_id FROM engine_node_images WHERE node = ? ORDER BY image_id').all(r.name) as Array<{
      image_id: string;
    }>;
    return {
      name: r.name,
      transport: r.transport,
      address: r.address,
      pin: JSON.parse(r.pin) as NodePin,
      fingerprint: r.pin_fingerprint,
      labels: JSON.parse(r.labels) as Record<string, string>,
      maxConcurrency: r.max_concurrency,
      facts: JSON.parse(r.facts) as NodeFacts,
      state: r.state,
      refusedReason: r.refused_reason,
      enrolledBy: r.enrolled_by,
      enrolledAt: r.enrolled_at,
      pinnedBy: r.pinned_by,
      pinnedAt: r.pinned_at,
      lastSeenAt: r.last_seen_at,
      unreachable: r.unreachable_since ? { since: r.unreachable_since, reason: r.unreachable_reason ?? '' } : null,
      images: images.map((i) => i.image_id),
    };
  }

  get(name: string): NodeEntry | null {
    const r = this.row(name);
    return r ? this.entry(r) : null;
  }

  mustGet(name: string): NodeEntry {
    const entry = this.get(name);
    if (!entry) throw nodeNotFound(name);
    return entry;
  }

  list(): NodeEntry[] {
    return this.rows().map((r) => this.entry(r));
  }

  /** The sealed client credentials (opened with the vault key by service.ts), after the admin seal's check. */
  sealedCredential(name: string): string {
    const r = this.row(name);
    if (!r) throw nodeNotFound(name);
    return r.credential_sealed;
  }

  /** Every sealed credential, for the vault key rotation. */
  allSealed(): Array<{ name: string; sealed: string }> {
    return (
      this.db.prepare('SELECT name, credential_sealed FROM engine_nodes').all() as Array<{ name: string; credential_sealed: string }>
    ).map((r) => ({ name: r.name, sealed: r.credential_sealed }));
  }

  insert(this: NodeRecords<Database>, n: NewNode, signer: Signer): void {
    if (this.row(n.name))
      throw new ApiError('CONFLICT', `A node named "${n.name}" is already enrolled. Pick another name, or remove it first.`);
    this.db
      .prepare(
        `INSERT INTO engine_nodes(name, transport, address, pin, pin_fingerprint, credential_sealed, labels, max_concurrency, facts, state,
           enrolled_by, enrolled_at, pinned_by, pinned_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'enabled', ?, ?, ?, ?, ?)`,
      )
      .run(
        n.name,
        n.transport,
        n.address,
        JSON.stringify(n.pin),
        n.fingerprint,
        n.credentialSealed,
        JSON.stringify(n.labels),
        n.maxConcurrency,
        JSON.stringify(n.facts),
        n.by,
        n.now,
        n.by,
        n.now,
        n.now,
      );
    sealNodes(this.db, signer);
  }

  /** A new pin (and the facts read with it) from an admin; clears a refusal. */
  repin(
    this: NodeRecords<Database>,
    name: string,
    change: { pin: NodePin; fingerprint: string; facts: NodeFacts; by: string; now: string },
    signer: Signer,
  ): void {
    if (!this.row(name)) throw nodeNotFound(name);
    const { pin, fingerprint, facts, by, now } = change;
    const r = this.db
      .prepare(
        `UPDATE engine_nodes SET pin = ?, pin_fingerprint = ?, facts = ?, state = 'enabled', refused_reason = NULL,
           pinned_by = ?, pinned_at = ?, last_seen_at = ? WHERE name = ?`,
      )
      .run(JSON.stringify(pin), fingerprint, JSON.stringify(facts), by, now, now, name);
    if (r.changes === 0) throw nodeNotFound(name);
    sealNodes(this.db, signer);
  }

  refuse(this: NodeRecords<Database>, name: string, reason: string): void {
    this.db.prepare("UPDATE engine_nodes SET state = 'refused', refused_reason = ? WHERE name = ?").run(reason.slice(0, 1000), name);
  }

  /** The node answered: recorded, and any unreachable mark cleared. */
  seen(this: NodeRecords<Database>, name: string, now: string): void {
    this.db
      .prepare('UPDATE engine_nodes SET last_seen_at = ?, unreachable_since = NULL, unreachable_reason = NULL WHERE name = ?')
      .run(now, name);
  }

  /** The node stopped answering during a run: automatic placement leaves it out until it answers again. */
  unreachable(this: NodeRecords<Database>, name: string, now: string, reason: string): void {
    this.db
      .prepare('UPDATE engine_nodes SET unreachable_since = COALESCE(unreachable_since, ?), unreachable_reason = ? WHERE name = ?')
      .run(now, reason.slice(0, 1000), name);
  }

  imageLoaded(this: NodeRecords<Database>, name: string, imageId: string, now: string): void {
    this.db.prepare('INSERT OR REPLACE INTO engine_node_images(node, image_id, loaded_at) VALUES (?, ?, ?)').run(name, imageId, now);
  }

  imageRemoved(this: NodeRecords<Database>, name: string, imageId: string): void {
    this.db.prepare('DELETE FROM engine_node_images WHERE node = ? AND image_id = ?').run(name, imageId);
  }

  reseal(this: NodeRecords<Database>, name: string, sealed: string): void {
    this.db.prepare('UPDATE engine_nodes SET credential_sealed = ? WHERE name = ?').run(sealed, name);
  }

  /** Checks the seal first, so an admin's change never signs rows someone altered behind it. */
  remove(this: NodeRecords<Database>, name: string, signer: Signer): void {
    if (!this.row(name)) throw nodeNotFound(name);
    this.db.prepare('DELETE FROM engine_node_images WHERE node = ?').run(name);
    this.db.prepare('DELETE FROM engine_nodes WHERE name = ?').run(name);
    sealNodes(this.db, signer);
  }
}
