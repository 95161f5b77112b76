/**
 * Makes a shared test node stop answering for THIS process only: the sshd processes on the node
 * that serve this process's SSH connections to it are found with `ss` on both ends, then stopped
 * (SIGSTOP: the node's kernel still acknowledges TCP and nothing answers, as on a hung host or a cut
 * link) or killed (the connection drops). Other tests' connections to the node are untouched.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { openRemoteEngine, parseNodeAddress, pinFrom } from '../../../src/engine';
import { NODE_LABELS } from '../../../src/nodes';

/** The pids of the node's sshd processes serving this process's connections to `address`. */
export function ourSshd(address: string, netns: string): number[] {
  const { host, port } = parseNodeAddress(address);
  const mine = execFileSync('ss', ['-tnpH', 'state', 'established', 'dst', `${host}:${port}`], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`pid=${process.pid},`))
    .map((l) => l.trim().split(/\s+/)[2]!.split(':').pop()!);
  assert.ok(mine.length > 0, 'this process holds an SSH connection to the node');
  const there = execFileSync('nsenter', [`--net=/run/netns/${netns}`, 'ss', '-tnpH', 'state', 'established', 'sport', `= :${port}`], {
    encoding: 'utf8',
  }).split('\n');
  const pids = there
    .filter((l) => mine.includes(l.trim().split(/\s+/)[3]?.split(':').pop() ?? ''))
    .flatMap((l) => [...l.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
  assert.ok(pids.length > 0, `the node's sshd serving ports ${mine.join(', ')}`);
  return [...new Set(pids)];
}

export function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Gone already.
    }
  }
}

/** Freezes this process's connections to the node while `work` runs, and thaws them after. */
export async function whileFrozen<T>(address: string, netns: string, work: () => Promise<T>): Promise<T> {
  const frozen = ourSshd(address, netns);
  signal(frozen, 'SIGSTOP');
  try {
    return await work();
  } finally {
    signal(frozen, 'SIGCONT');
  }
}

/**
 * Removes what this store's runs left on a test node: runs interrupted by a frozen node leave their
 * containers and volumes there (the node could not be told), until a later run sweeps them.
 */
export async function removeLeftovers(address: string, hostKeyFile: string, workstationId: string): Promise<void> {
  const parsed = parseNodeAddress(address);
  const remote = openRemoteEngine(parsed, pinFrom(parsed.transport, readFileSync(hostKeyFile, 'utf8')), {
    privateKey: readFileSync(process.env.AIRGAP_TEST_NODE_SSH_KEY!, 'utf8'),
  });
  try {
    const label = `${NODE_LABELS.workstation}=${workstationId}`;
    for (const x of await remote.engine.listContainers({ label })) await remote.engine.remove(x.id, { force: true }).catch(() => undefined);
    for (const v of await remote.engine.listVolumes({ label })) await remote.engine.removeVolume(v).catch(() => undefined);
  } finally {
    await remote.close();
  }
}
