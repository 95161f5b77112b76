/**
 * The connection-level air-gap check (issue 14: "the only connections go to the configured IdP and
 * directory on loopback"). Every outgoing connection of the flow is recorded where it is made, not
 * sampled, so a short one cannot slip between two looks:
 * - this test process (the core: LDAP binds; the harness; Playwright's requests for the IdP window):
 *   every `connectionAttempt` of every Node socket (address and port, before the SYN is sent), so
 *   a refused or failed attempt counts as well;
 * - the browser: Chromium runs under `strace -f --seccomp-bpf` (chromiumUnderStrace), so every
 *   connect() and datagram sent by every Chromium process (the network service included) is in its
 *   log (parseStraceConnects says what counts);
 * - listening sockets of this process tree are read with `ss -tulnp` (the desktop shell has none;
 *   nothing may listen on the ACS port).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Connection {
  /** Who made it: "node" (this process) or "chromium[pid]". */
  by: string;
  /** host:port (IPv6 in brackets). */
  to: string;
}

export const endpoint = (host: string, port: number | string): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

const WATCHED = Symbol('airgap-watched');
type Connect = typeof Socket.prototype.connect;

/**
 * Records this process's outgoing connection attempts until stopped. Every TCP client socket of
 * Node connects through Socket.prototype.connect (net.connect, tls.connect, http, fetch), which
 * emits `connectionAttempt` with the address before each try; the watch hooks there.
 */
export class NodeConnections {
  readonly seen: Connection[] = [];
  private original: Connect | null = null;

  start(): this {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with the socket as `this`
    const original = Socket.prototype.connect;
    this.original = original;
    const seen = this.seen;
    Socket.prototype.connect = function (this: Socket & { [WATCHED]?: true }, ...args: unknown[]) {
      if (!this[WATCHED]) {
        this[WATCHED] = true;
        // Unix sockets (the engine's) are local IPC, not the network.
        this.on('connectionAttempt', (ip: string, port: number) => {
          if (isIP(ip)) seen.push({ by: 'node', to: endpoint(ip, port) });
        });
      }
      return Reflect.apply(original, this, args) as Socket;
    };
    return this;
  }

  stop(): Connection[] {
    if (this.original) Socket.prototype.connect = this.original;
    this.original = null;
    return this.seen;
  }
}

export function hasStrace(): boolean {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A launcher for Chromium that runs it under strace, logging every connect() to `log`; remove `dir` after. */
export function chromiumUnderStrace(chromium: string): { executable: string; log: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agr-strace-'));
  const log = join(dir, 'connect.log');
  const executable = join(dir, 'chromium');
  writeFileSync(
    executable,
    `#!/bin/sh\nexec strace -f --seccomp-bpf -qq -yy -e trace=connect,sendto,sendmsg,sendmmsg -e signal=none -o ${JSON.stringify(log)} ${JSON.stringify(chromium)} "$@"\n`,
  );
  chmodSync(executable, 0o755);
  return { executable, log, dir };
}

const SOCKADDR_V4 = /sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/;
const SOCKADDR_V6 = /sa_family=AF_INET6, sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"/;

function sockaddr(text: string): string | null {
  const v4 = SOCKADDR_V4.exec(text);
  if (v4) return endpoint(v4[2]!, v4[1]!);
  const v6 = SOCKADDR_V6.exec(text);
  return v6 ? endpoint(v6[2]!, v6[1]!) : null;
}

/**
 * What left the browser, from an strace log (`-yy`, so each fd says TCP or UDP): every TCP
 * connect() (its SYN leaves), and every UDP datagram sent (sendto/sendmsg/sendmmsg), to the address
 * the call names or the one the socket was connected to. A UDP connect() alone sends nothing
 * (Chromium does one to 2001:4860:4860::8888 to learn its own IPv6 address): not counted. Unix
 * sockets are the browser's own IPC: left out.
 */
export function parseStraceConnects(text: string): Connection[] {
  const found: Connection[] = [];
  /** A connected UDP socket (by its fd and decoration) -> where it sends. */
  const udpPeer = new Map<string, string>();
  for (const line of text.split('\n')) {
    const call = /^(\d+)\s+(connect|sendto|sendmsg|sendmmsg)\((\d+)<(TCP|TCPv6|UDP|UDPv6):\[([^\]]*)\]>(.*)$/.exec(line);
    if (!call) continue;
    const [, pid, name, fd, proto, decoration, rest] = call as unknown as [string, string, string, string, string, string, string];
    const by = `chromium[${pid}]`;
    const named = sockaddr(rest);
    if (name === 'connect') {
      if (!named) continue;
      if (proto.startsWith('TCP')) found.push({ by, to: named });
      else udpPeer.set(`${fd}<${decoration}>`, named);
      continue;
    }
    if (!proto.startsWith('UDP')) continue;
    const to = named ?? (decoration.includes('->') ? decoration.split('->')[1]! : udpPeer.get(`${fd}<${decoration}>`));
    if (to) found.push({ by: `${by} udp`, to });
  }
  return found;
}

export function straceConnects(log: string): Connection[] {
  return existsSync(log) ? parseStraceConnects(readFileSync(log, 'utf8')) : [];
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Connections to anything but `allowed` (host:port), as lines for an assertion message. */
export function violations(connections: readonly Connection[], allowed: readonly string[]): string[] {
  return [...new Set(connections.filter((c) => !allowed.includes(c.to)).map((c) => `${c.by} -> ${c.to}`))];
}

/** Every process descending from `root` (itself included), from /proc. */
export function descendants(root: number): Set<number> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return found;
}

/** The TCP and UDP sockets listening now in this process and its descendants (host:port). */
export function ourListeners(): string[] {
  const pids = descendants(process.pid);
  const out = execFileSync('ss', ['-tulnpH'], { encoding: 'utf8' });
  const found: string[] = [];
  for (const line of out.split('\n')) {
    const local = line.trim().split(/\s+/)[4];
    if (local && [...line.matchAll(/pid=(\d+),/g)].some((m) => pids.has(Number(m[1])))) found.push(local);
  }
  return found;
}
