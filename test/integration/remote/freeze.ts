/**
 * Makes a shared test node stop answering for THIS process only: the sshd processes on the node
 * that serve this process's SSH connections to it are found with `ss` on both ends, then stopped
 * (SIGSTOP: the node's kernel still acknowledges TCP and nothing answers, as on a hung host or a cut
 * link) or killed (the connection drops). Other tests' connections to the node are untouched.
 * The TLS node is frozen through a proxy of the test's own (FreezableProxy).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { openRemoteEngine, parseNodeAddress, pinFrom, type NodeCredentials } from '../../../src/engine';
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
export async function removeLeftovers(
  address: string,
  hostKeyFile: string,
  workstationId: string,
  credentials: NodeCredentials = { privateKey: readFileSync(process.env.AIRGAP_TEST_NODE_SSH_KEY!, 'utf8') },
): Promise<void> {
  const parsed = parseNodeAddress(address);
  const remote = openRemoteEngine(parsed, pinFrom(parsed.transport, readFileSync(hostKeyFile, 'utf8')), credentials);
  try {
    const label = `${NODE_LABELS.workstation}=${workstationId}`;
    for (const x of await remote.engine.listContainers({ label })) await remote.engine.remove(x.id, { force: true }).catch(() => undefined);
    for (const v of await remote.engine.listVolumes({ label })) await remote.engine.removeVolume(v).catch(() => undefined);
  } finally {
    await remote.close();
  }
}

/**
 * A TCP proxy on 127.0.0.1 in front of a shared node, for transports whose server this test cannot
 * stop for itself alone (the TLS node's dockerd serves every test). `freeze()` stops passing bytes
 * either way on every connection, open or new, while both sockets stay open: the client's kernel
 * still gets its TCP acknowledgements (from this proxy's), nothing answers, as on a hung host. What
 * arrives meanwhile is held and passed on at `thaw()`.
 */
export class FreezableProxy {
  private frozen = false;
  private readonly held: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(host: string, port: number): Promise<FreezableProxy> {
    const proxy: FreezableProxy = new FreezableProxy(createServer((client) => proxy.pair(client, connect({ host, port }))));
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private pair(a: Socket, b: Socket): void {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      this.sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (this.frozen) this.held.push(() => to.write(chunk));
        else to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const pass of this.held.splice(0)) pass();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
