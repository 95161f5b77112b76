/**
 * Enrolment and use of nodes (docs/remote-engines.md). The admin gives an address, the client
 * credentials and the node's identity (or confirms the one probed); the node is connected with that
 * identity pinned, its engine facts read, and refused when it cannot apply our hardening. The
 * credentials are sealed under the vault key (never shown again); a run opens them with the
 * starting operator's vault key. A changed host key or certificate marks the node refused until an
 * admin re-pins it.
 */
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { ApiError, type ReadonlyDb } from '../kernel';
import {
  openRemoteEngine,
  parseNodeAddress,
  pinFingerprint,
  type NodeAddress,
  type NodeCredentials,
  type NodePin,
  type RemoteEngine,
} from '../engine';
import { needVaultKey, openItem, sealItem } from '../vault';
import type { RotationHook } from '../store';
import { HOLDER_ARCHES } from './holder';
import { NodeRecords, type NodeEntry, type NodeFacts } from './store';
import { placeRun } from './placement';

export const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function checkNodeName(name: string): void {
  if (!NODE_NAME.test(name)) throw new ApiError('INVALID_INPUT', 'A node name is lower-case letters, digits and "-" (at most 63).');
}

const aadOf = (name: string): string => `engine-node:${name}`;

export function sealCredentials(vaultKey: Buffer, name: string, credentials: NodeCredentials): string {
  return sealItem(vaultKey, aadOf(name), Buffer.from(JSON.stringify(credentials), 'utf8'));
}

/** The node's client credentials, opened with the caller's vault key. */
export function openCredentials(db: ReadonlyDb, vaultKey: Buffer | undefined, name: string): NodeCredentials {
  const sealed = new NodeRecords(db).sealedCredential(name);
  const value = openItem(needVaultKey(vaultKey), aadOf(name), sealed);
  if (!value) throw new ApiError('INTERNAL', `The credentials of node ${name} do not open with this vault key; re-enrol the node.`);
  try {
    return JSON.parse(value.toString('utf8')) as NodeCredentials;
  } finally {
    value.fill(0);
  }
}

/** Rotation hook: node credentials are re-sealed with the vault items. */
export const resealNodes: RotationHook = (db, oldKeys, newKeys) => {
  if (!oldKeys.vault || !newKeys.vault) throw new Error('a key rotation without both vault keys cannot re-seal node credentials');
  const records = new NodeRecords(db);
  for (const { name, sealed } of records.allSealed()) {
    const value = openItem(oldKeys.vault, aadOf(name), sealed);
    if (!value) throw new Error(`node ${name}: credentials do not open with the old vault key`);
    records.reseal(name, sealItem(newKeys.vault, aadOf(name), value));
    value.fill(0);
  }
};

/** What the node cannot do of our hardening (ARCHITECTURE.md, "Runner: hardened by default"); empty: fit. */
export function hardeningProblems(facts: NodeFacts): string[] {
  const problems: string[] = [];
  if (facts.os !== 'linux') problems.push(`its engine runs ${facts.os} containers, not linux`);
  if (!facts.seccomp) problems.push('its engine applies no seccomp profile');
  if (!facts.pidsLimit) problems.push('its engine cannot limit the number of processes (pids cgroup)');
  if (!facts.memoryLimit) problems.push('its engine cannot limit memory (memory cgroup)');
  if (facts.cgroupVersion !== '1' && facts.cgroupVersion !== '2') problems.push('its engine reports no cgroup version');
  if (!(HOLDER_ARCHES as readonly string[]).includes(facts.arch)) problems.push(`its architecture ${facts.arch} is not supported yet`);
  if (!/^1\.(4[1-9]|[5-9]\d)$/.test(facts.apiVersion)) problems.push(`its engine API ${facts.apiVersion} is older than 1.41`);
  return problems;
}

export async function readFacts(remote: RemoteEngine): Promise<NodeFacts> {
  const info = await remote.engine.info();
  const security = await remote.engine.securityFacts();
  return {
    engine: info.name,
    version: info.version,
    apiVersion: info.apiVersion,
    os: info.os,
    arch: info.arch,
    rootless: info.rootless,
    cgroupVersion: security.cgroupVersion,
    seccomp: security.seccomp,
    pidsLimit: security.pidsLimit,
    memoryLimit: security.memoryLimit,
    kernelVersion: security.kernelVersion,
    securityOptions: security.securityOptions,
  };
}

/** Connects with the pin and reads the facts; refuses a node that cannot apply the hardening. */
export async function checkNode(address: NodeAddress, pin: NodePin, credentials: NodeCredentials): Promise<NodeFacts> {
  const remote = openRemoteEngine(address, pin, credentials);
  try {
    const facts = await readFacts(remote);
    const problems = hardeningProblems(facts);
    if (problems.length > 0) {
      throw new ApiError(
        'POLICY_DENIED',
        `The node at ${address.url} cannot apply the runner's hardening: ${problems.join('; ')}. Fix the node's engine, then enrol it again.`,
      );
    }
    if (address.transport === 'ssh-docker' && facts.engine !== 'Docker')
      throw new ApiError(
        'INVALID_INPUT',
        `The node at ${address.url} answers as ${facts.engine}; give the Podman socket path in the address.`,
      );
    return facts;
  } finally {
    await remote.close();
  }
}

export interface NodeConnection {
  entry: NodeEntry;
  remote: RemoteEngine;
}

/**
 * The nodes a run may go to (placement.ts), each with its credentials opened with the starter's
 * vault key. A named node that is refused says to re-pin it.
 */
export function nodesForRun(
  db: ReadonlyDb,
  vaultKey: Buffer | undefined,
  want: { node: string | null; labels: Record<string, string>; access: 'read-only' | 'read-write' },
): Array<{ entry: NodeEntry; credentials: NodeCredentials }> {
  const entries = new NodeRecords(db).list();
  const named = want.node ? entries.find((e) => e.name === want.node) : undefined;
  if (named?.state === 'refused') {
    throw new ApiError(
      'POLICY_DENIED',
      `Node ${named.name} is refused (${named.refusedReason ?? 'identity changed'}). An admin must check it and re-pin it.`,
    );
  }
  const fit = placeRun(entries, { labels: want.labels, access: want.access }, want.node ?? undefined);
  return fit.map((entry) => ({ entry, credentials: openCredentials(db, vaultKey, entry.name) }));
}

export function connect(entry: NodeEntry, credentials: NodeCredentials): RemoteEngine {
  return openRemoteEngine(parseNodeAddress(entry.address), entry.pin, credentials);
}

/** Records what a failed connection says about the node: a changed identity refuses it. */
export function noteFailure(db: Database, name: string, error: unknown): void {
  if (error instanceof ApiError && error.code === 'VERIFY_FAILED' && /presented .* not the pinned/.test(error.message))
    new NodeRecords(db).refuse(name, error.message);
}

export { pinFingerprint };

/**
 * Removes from a node the images this workstation sent there (engine_node_images), except those an
 * unfinished run uses; images the node has for anyone else are never touched. An image a container
 * still uses there is kept and named. The caller records the removals (NodeRecords.imageRemoved).
 */
export async function pruneNode(
  db: ReadonlyDb,
  vaultKey: Buffer | undefined,
  name: string,
  inUse: ReadonlySet<string>,
): Promise<{ removed: string[]; kept: Array<{ image: string; why: string }> }> {
  const entry = new NodeRecords(db).mustGet(name);
  const remote = connect(entry, openCredentials(db, vaultKey, name));
  const removed: string[] = [];
  const kept: Array<{ image: string; why: string }> = [];
  try {
    for (const image of entry.images) {
      if (inUse.has(image)) {
        kept.push({ image, why: 'a run that has not finished uses it' });
        continue;
      }
      try {
        await remote.engine.removeImage(image);
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'NOT_FOUND')) {
          if (error instanceof ApiError && error.code === 'CONFLICT') {
            kept.push({ image, why: 'a container on the node still uses it' });
            continue;
          }
          throw error;
        }
      }
      removed.push(image);
    }
  } finally {
    await remote.close();
  }
  return { removed, kept };
}
