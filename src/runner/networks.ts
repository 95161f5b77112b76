/**
 * Networks a task may ask for (ARCHITECTURE.md, "Runner"): `none` always; a named network only when
 * an admin defined it (`network add NAME`, registering an engine network that exists, or creating an
 * internal one); the host network only through an admin's override: a named entry of kind `host`,
 * allowed only while the setting runner.hostNetworkAllowed is on. Defining one is an audited call;
 * each run records which network it got.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';
import { checkSeal, writeSeal, type Signer } from '../store';
import type { NetworkChoice } from './hardening';

const SCOPE = 'runner.networks';

type NetworkRow = { name: string; kind: string; engine_id: string | null; created_at: string; created_by: string };

const sealRows = (rows: NetworkRow[]) => new Map(rows.map((r) => [r.name, { ...r }]));

/** Re-signs the networks with the admin key (src/store/seals.ts). */
export function sealNetworks(db: Database, signer: Signer): void {
  writeSeal(db, SCOPE, sealRows(db.prepare('SELECT * FROM networks').all() as NetworkRow[]), signer, new Date().toISOString());
}

export const NETWORK_NAME_RE = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
export const RESERVED_NETWORK_NAMES = ['none', 'host', 'bridge', 'default'];

export interface NetworkEntry {
  name: string;
  kind: 'named' | 'host';
  engineId: string | null;
  createdAt: string;
  createdBy: string;
}

export class Networks<D extends ReadonlyDb = Database> {
  constructor(private readonly db: D) {}

  /** Every definition, after checking the admin seal: a network (or host override) only an admin defined counts. */
  private rows(): NetworkRow[] {
    const rows = this.db.prepare('SELECT name, kind, engine_id, created_at, created_by FROM networks ORDER BY name').all() as NetworkRow[];
    checkSeal(this.db, SCOPE, 'the networks tasks may use', sealRows(rows));
    return rows;
  }

  get(name: string): NetworkEntry | null {
    const r = this.rows().find((n) => n.name === name);
    return r
      ? {
          name: r.name,
          kind: r.kind === 'host' ? 'host' : 'named',
          engineId: r.engine_id,
          createdAt: r.created_at,
          createdBy: r.created_by,
        }
      : null;
  }

  list(): NetworkEntry[] {
    return this.rows().map((n) => this.get(n.name)!);
  }

  add(this: Networks<Database>, entry: NetworkEntry, signer: Signer): void {
    if (this.get(entry.name)) throw new ApiError('CONFLICT', `A network named "${entry.name}" is already defined.`);
    this.db
      .prepare('INSERT INTO networks(name, kind, engine_id, created_at, created_by) VALUES (?, ?, ?, ?, ?)')
      .run(entry.name, entry.kind, entry.engineId, entry.createdAt, entry.createdBy);
    sealNetworks(this.db, signer);
  }
}

export function checkNetworkName(name: string): void {
  if (!NETWORK_NAME_RE.test(name) || RESERVED_NETWORK_NAMES.includes(name)) {
    throw new ApiError(
      'INVALID_INPUT',
      `"${name}" cannot be a network name: use lower-case letters, digits, "_", "." and "-" (not none, host, bridge or default).`,
    );
  }
}

/** The network a task gets, or POLICY_DENIED saying why it may not have the one it asks for. */
export function chooseNetwork(db: ReadonlyDb, requested: string, hostAllowed: boolean): NetworkChoice {
  if (requested === 'none') return { engineNetwork: 'none', kind: 'none', requested };
  const entry = new Networks(db).get(requested);
  if (!entry) {
    throw new ApiError(
      'POLICY_DENIED',
      `The task asks for the network "${requested}", which no admin has defined, so it may not run. An admin can define it with "network add ${requested}" if this task should reach it.`,
    );
  }
  if (entry.kind === 'host') {
    if (!hostAllowed) {
      throw new ApiError(
        'POLICY_DENIED',
        `The network "${requested}" is the host network, and host networking is switched off (setting runner.hostNetworkAllowed). An admin decides.`,
      );
    }
    return { engineNetwork: 'host', kind: 'host-override', requested };
  }
  return { engineNetwork: requested, kind: 'named', requested };
}
