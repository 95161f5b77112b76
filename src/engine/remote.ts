/**
 * Engines on other machines ("nodes", docs/remote-engines.md), reached the way admins reach them:
 *  - `ssh://user@host[:port]`: Docker's `docker system dial-stdio` on an SSH exec channel;
 *  - `ssh://user@host[:port]/path/to/podman.sock`: a forwarded unix socket (direct-streamlocal);
 *  - `tcp://host:port`: the engine's own socket with mutual TLS.
 * One SSH connection carries every HTTP request (an http.Agent opening one channel per connection);
 * docker-modem's own ssh protocol makes a new SSH connection per request and crashes on timeouts.
 * The node's identity is pinned: the SSH host key blob (and its algorithm) or the SHA-256 of the
 * server certificate, on top of the CA check. A different key or certificate fails before anything
 * is sent. Keys and certificates come in as Buffers (from the vault), never as files.
 */
import { createHash, X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import Docker from 'dockerode';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { ApiError } from '../kernel';
import { DockerodeEngine } from './dockerode-engine';
import type { EngineSocket } from './socket';

export type NodeTransport = 'ssh-docker' | 'ssh-podman' | 'tls';

export interface NodeAddress {
  transport: NodeTransport;
  host: string;
  port: number;
  /** SSH only. */
  user: string;
  /** ssh-podman only: the engine's socket on the node. */
  socketPath: string;
  /** The address as given, normalised (`ssh://root@10.0.0.2:22`, `tcp://10.0.0.3:2376`). */
  url: string;
}

/** The pinned identity: an OpenSSH public key line (ssh) or a certificate's SHA-256 (tls). */
export type NodePin = { kind: 'ssh-host-key'; key: string } | { kind: 'tls-cert-sha256'; sha256: string };

export interface NodeCredentials {
  /** SSH: the client's private key (OpenSSH or PEM). TLS: the client certificate's key. */
  privateKey: string;
  /** TLS: the client certificate and the CA that signed the server's. */
  cert?: string;
  ca?: string;
}

/** What a node shows before it is pinned, for the admin to compare out of band. */
export interface NodeIdentity {
  pin: NodePin;
  /** `SHA256:…` (ssh, as ssh-keygen -l shows it) or `AB:CD:…` (tls, as openssl x509 -fingerprint -sha256 shows it). */
  fingerprint: string;
  /** TLS: the certificate's subject and validity; ssh: the key type. */
  description: string;
}

/** How long connecting (TCP + key exchange + auth, or TLS handshake) may take. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** SSH keepalive: a node that does not answer 3 probes 5 s apart is gone (its connection is dropped). */
const KEEPALIVE_MS = 5_000;
const KEEPALIVE_COUNT = 3;
const TCP_KEEPALIVE_MS = 5_000;
/**
 * Every engine request that answers at once (all but `wait`, `images/load` and the bodies of
 * streams) must answer within this. `wait` on a silent task legitimately idles for its whole
 * timeout: the watch below and the runner's own deadline bound it instead.
 */
export const REQUEST_TIMEOUT_MS = 120_000;
/** A watched node (one running a task) is pinged this often, each ping on its own deadline... */
export const HEARTBEAT_MS = 5_000;
/** ...and given up on when none answered for this long: every pending request fails at once. */
export const SILENCE_LIMIT_MS = 30_000;

const invalid = (message: string): ApiError => new ApiError('INVALID_INPUT', message);

/** Parses an address; the transport follows from it (tcp: TLS; ssh with a path: Podman socket; ssh: dial-stdio). */
export function parseNodeAddress(address: string): NodeAddress {
  let u: URL;
  try {
    u = new URL(address.trim());
  } catch {
    throw invalid(`"${address}" is not an address: give ssh://user@host[:port][/podman.sock] or tcp://host:2376.`);
  }
  if (u.search || u.hash || u.password) throw invalid('A node address has no query, fragment or password.');
  if (u.protocol === 'tcp:') {
    if (u.username || (u.pathname && u.pathname !== '/')) throw invalid('A tcp:// node address is tcp://host:port, nothing more.');
    const port = Number(u.port || 2376);
    return { transport: 'tls', host: u.hostname, port, user: '', socketPath: '', url: `tcp://${u.hostname}:${port}` };
  }
  if (u.protocol === 'ssh:') {
    const user = decodeURIComponent(u.username);
    if (!user) throw invalid('An ssh:// node address names the user: ssh://user@host[:port].');
    const port = Number(u.port || 22);
    const path = decodeURIComponent(u.pathname);
    const socketPath = path && path !== '/' ? path : '';
    if (socketPath && !/^\/[\w./-]+\.sock$/.test(socketPath)) throw invalid('The Podman socket path must be absolute and end in .sock.');
    return {
      transport: socketPath ? 'ssh-podman' : 'ssh-docker',
      host: u.hostname,
      port,
      user,
      socketPath,
      url: `ssh://${user}@${u.hostname}:${port}${socketPath}`,
    };
  }
  throw invalid(`"${u.protocol}" is not a node transport: use ssh:// (Docker or Podman) or tcp:// (mutual TLS).`);
}

// --- identities ---

/** The key blob of an OpenSSH public key line (`ssh-ed25519 AAAA… comment`). */
export function sshKeyBlob(line: string): { type: string; blob: Buffer } {
  const [type, b64] = line.trim().split(/\s+/);
  const blob = b64 && /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
  // The blob starts with its own type as an SSH string: a line whose parts disagree is refused.
  const inner = blob.length > 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') : '';
  if (!type || inner !== type) throw invalid('The host key is not an OpenSSH public key line ("ssh-ed25519 AAAA…").');
  return { type, blob };
}

export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function certSha256(pem: string): string {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    throw invalid('The server certificate is not a PEM X.509 certificate.');
  }
}

/** A pin from what the admin gave: an OpenSSH key line, a PEM certificate, or a `AB:CD:…` SHA-256. */
export function pinFrom(transport: NodeTransport, given: string): NodePin {
  if (transport === 'tls') {
    const text = given.trim();
    if (/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(text)) return { kind: 'tls-cert-sha256', sha256: text.toUpperCase() };
    return { kind: 'tls-cert-sha256', sha256: certSha256(text) };
  }
  const { type, blob } = sshKeyBlob(given);
  return { kind: 'ssh-host-key', key: `${type} ${blob.toString('base64')}` };
}

export function pinFingerprint(pin: NodePin): string {
  return pin.kind === 'ssh-host-key' ? sshFingerprint(sshKeyBlob(pin.key).blob) : pin.sha256;
}

function refusedIdentity(address: NodeAddress, seen: string, pinned: string): ApiError {
  return new ApiError(
    'VERIFY_FAILED',
    `The node at ${address.url} presented ${seen}, not the pinned ${pinned}. It is refused until an admin checks the new identity out of band and re-pins it.`,
  );
}

/** Connects without trusting anything yet and returns what the node presents (shown to the admin). */
export async function probeNodeIdentity(address: NodeAddress): Promise<NodeIdentity> {
  if (address.transport === 'tls') {
    const cert = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const socket = tls.connect({ host: address.host, port: address.port, rejectUnauthorized: false, timeout: CONNECT_TIMEOUT_MS });
      socket.once('secureConnect', () => {
        resolve(socket.getPeerCertificate());
        socket.destroy();
      });
      socket.once('timeout', () => socket.destroy(new Error('no TLS handshake in time')));
      socket.once('error', reject);
    }).catch((error: unknown) => {
      throw unreachable(address, error);
    });
    if (!cert.fingerprint256) throw unreachable(address, new Error('no server certificate'));
    return {
      pin: { kind: 'tls-cert-sha256', sha256: cert.fingerprint256 },
      fingerprint: cert.fingerprint256,
      description: `certificate for ${cert.subject?.CN ?? '?'}, valid ${cert.valid_from} to ${cert.valid_to}`,
    };
  }
  let seen: Buffer | undefined;
  await new Promise<void>((resolve, reject) => {
    const client = new Client();
    client.once('error', (error) => (seen ? resolve() : reject(error)));
    client.once('close', () => resolve());
    client.connect({
      host: address.host,
      port: address.port,
      username: address.user,
      readyTimeout: CONNECT_TIMEOUT_MS,
      hostVerifier: (key: Buffer) => {
        seen = Buffer.from(key);
        return false;
      },
    });
  }).catch((error: unknown) => {
    throw unreachable(address, error);
  });
  if (!seen) throw unreachable(address, new Error('no host key'));
  const type = seen.subarray(4, 4 + seen.readUInt32BE(0)).toString('latin1');
  return {
    pin: { kind: 'ssh-host-key', key: `${type} ${seen.toString('base64')}` },
    fingerprint: sshFingerprint(seen),
    description: `${type} host key`,
  };
}

function unreachable(address: NodeAddress, error: unknown): ApiError {
  const detail = (error as { message?: string } | undefined)?.message ?? 'no answer';
  if (error instanceof ApiError) return error;
  if (/All configured authentication methods failed/i.test(detail)) {
    return new ApiError(
      'UNAUTHENTICATED',
      `The node at ${address.url} refused the client key. Check the key the node authorises for ${address.user}.`,
      {
        cause: error,
      },
    );
  }
  return new ApiError(
    'ENGINE_UNAVAILABLE',
    `The node at ${address.url} does not answer (${detail.replace(/[\r\n]+/g, ' ').slice(0, 200)}). Check that it is up and reachable from this workstation.`,
    { cause: error },
  );
}

// --- the SSH agent ---

type Channel = ClientChannel & Partial<{ setTimeout: unknown; setKeepAlive: unknown; setNoDelay: unknown; ref: unknown; unref: unknown }>;

/** An http.Agent whose connections are channels of one SSH connection (dial-stdio or a forwarded socket). */
class SshAgent extends http.Agent {
  private client: Promise<Client> | undefined;
  /** Set when the host key differed: every later request fails with it, nothing is retried. */
  private refused: ApiError | undefined;
  private closing = false;
  /** Called when an established connection drops (keepalive unanswered, closed by the node). */
  onDrop: ((reason: ApiError) => void) | undefined;

  constructor(
    private readonly address: NodeAddress,
    private readonly config: ConnectConfig,
  ) {
    super({ keepAlive: true, maxSockets: 8 });
  }

  private ready(): Promise<Client> {
    if (this.refused) return Promise.reject(this.refused);
    if (this.client) return this.client;
    const connecting = new Promise<Client>((resolve, reject) => {
      const client = new Client();
      let ready = false;
      let lastError: Error | undefined;
      client.once('ready', () => {
        ready = true;
        resolve(client);
      });
      client.on('error', (error) => {
        lastError = error;
        if (this.client === connecting) this.client = undefined;
        reject(this.refused ?? unreachable(this.address, error));
      });
      client.once('close', () => {
        if (this.client === connecting) this.client = undefined;
        reject(unreachable(this.address, new Error('connection closed')));
        if (ready && !this.closing)
          this.onDrop?.(
            unreachable(
              this.address,
              new Error(
                lastError?.message === 'Keepalive timeout'
                  ? `no answer to ${KEEPALIVE_COUNT} SSH keepalives ${KEEPALIVE_MS / 1000} s apart`
                  : `the SSH connection dropped${lastError ? `: ${lastError.message}` : ''}`,
              ),
            ),
          );
      });
      client.connect({
        ...this.config,
        hostVerifier: (key: Buffer) => {
          const ok = (this.config.hostVerifier as (k: Buffer) => boolean)(key);
          if (!ok) this.refused = refusedIdentity(this.address, sshFingerprint(key), this.pinnedFingerprint());
          return ok;
        },
      });
    });
    this.client = connecting;
    return connecting;
  }

  private pinnedFingerprint(): string {
    return (this.config as ConnectConfig & { pinnedFingerprint?: string }).pinnedFingerprint ?? '?';
  }

  override createConnection(_options: unknown, callback: (error: Error | null, socket?: Duplex) => void): undefined {
    this.ready().then(
      (client) => {
        const done = (error: Error | undefined, channel: Channel): void => {
          if (error) return callback(unreachable(this.address, error));
          // http treats the connection as a net.Socket: a real idle timeout, and no-ops for the rest.
          let timer: NodeJS.Timeout | undefined;
          const arm = (ms: number): void => {
            clearTimeout(timer);
            if (ms > 0) timer = setTimeout(() => channel.emit('timeout'), ms).unref();
          };
          let idle = 0;
          channel.on('data', () => arm(idle));
          channel.once('close', () => clearTimeout(timer));
          // As net.Socket does: a callback is added once per call, and removed again by setTimeout(0, cb).
          channel.setTimeout = (ms: number, cb?: () => void) => {
            idle = ms;
            arm(ms);
            if (cb) {
              if (ms === 0) channel.removeListener('timeout', cb);
              else channel.once('timeout', cb);
            }
            return channel;
          };
          channel.setKeepAlive = () => channel;
          channel.setNoDelay = () => channel;
          channel.ref = () => channel;
          channel.unref = () => channel;
          callback(null, channel);
        };
        if (this.address.transport === 'ssh-docker') client.exec('docker system dial-stdio', done);
        else client.openssh_forwardOutStreamLocal(this.address.socketPath, done);
      },
      (error: unknown) => callback(error as Error),
    );
    return undefined;
  }

  async close(): Promise<void> {
    this.closing = true;
    const client = await this.client?.catch(() => undefined);
    client?.end();
    this.destroy();
  }

  /** Drops everything at once, without waiting for the node (it may not answer). */
  drop(): void {
    this.closing = true;
    this.destroy();
    void this.client?.then(
      (client) => client.destroy(),
      () => undefined,
    );
  }
}

/**
 * Gives up on a node that stopped answering: aborts the signal every engine request races with
 * (pending ones fail at once), drops the connections, and stops pinging.
 */
class NodeWatch {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private listeners: Array<(reason: ApiError) => void> = [];

  constructor(private readonly dropConnections: () => void) {}

  get lost(): ApiError | null {
    return this.controller.signal.aborted ? (this.controller.signal.reason as ApiError) : null;
  }

  giveUp(reason: ApiError): void {
    if (this.controller.signal.aborted) return;
    this.stop();
    this.controller.abort(reason);
    this.dropConnections();
    for (const listener of this.listeners.splice(0)) listener(reason);
  }

  /** Pings every HEARTBEAT_MS; gives up when nothing answered for SILENCE_LIMIT_MS. */
  start(address: NodeAddress, ping: () => Promise<unknown>, onLost?: (reason: ApiError) => void): void {
    if (onLost) this.listeners.push(onLost);
    if (this.timer || this.lost) return;
    let answered = Date.now();
    let pinging = false;
    this.timer = setInterval(() => {
      const silent = Date.now() - answered;
      if (silent >= SILENCE_LIMIT_MS) {
        this.giveUp(unreachable(address, new Error(`no answer for ${Math.round(silent / 1000)} s`)));
        return;
      }
      if (pinging) return;
      pinging = true;
      const deadline = setTimeout(() => (pinging = false), SILENCE_LIMIT_MS).unref();
      ping().then(
        () => {
          answered = Date.now();
          pinging = false;
          clearTimeout(deadline);
        },
        () => {
          pinging = false;
          clearTimeout(deadline);
        },
      );
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

export interface RemoteEngine {
  engine: DockerodeEngine;
  address: NodeAddress;
  /** Ends the SSH connection (TLS: the keep-alive sockets). */
  close(): Promise<void>;
  /**
   * Watches the node while a task runs on it: pinged every HEARTBEAT_MS, given up on when it did not
   * answer for SILENCE_LIMIT_MS or (SSH) when its connection dropped. `onLost` is told why.
   */
  watch(onLost?: (reason: ApiError) => void): void;
  /** Gives up on the node now (e.g. it did not confirm a kill): pending requests fail, connections drop. */
  giveUp(reason: ApiError): void;
  /** Why the node was given up on; null while it answers. */
  readonly lost: ApiError | null;
}

function remoteOf(address: NodeAddress, socket: EngineSocket, docker: Docker, watch: NodeWatch, close: () => Promise<void>): RemoteEngine {
  const engine = new DockerodeEngine(socket, docker, { signal: watch.controller.signal, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  return {
    engine,
    address,
    close: async () => {
      watch.stop();
      await close();
    },
    watch: (onLost) => watch.start(address, async () => await docker.ping(), onLost),
    giveUp: (reason) => watch.giveUp(reason),
    get lost() {
      return watch.lost;
    },
  };
}

/** An engine on a node, its identity pinned. Nothing is sent until the first request. */
export function openRemoteEngine(address: NodeAddress, pin: NodePin, credentials: NodeCredentials): RemoteEngine {
  const socket: EngineSocket = { path: '', url: address.url, from: 'node', tried: [] };
  if (address.transport === 'tls') {
    if (pin.kind !== 'tls-cert-sha256') throw invalid('A tcp:// node is pinned by its server certificate.');
    if (!credentials.cert || !credentials.ca) throw invalid('A tcp:// node needs the client certificate and the CA (--cert, --ca).');
    const agent = new https.Agent({
      keepAlive: true,
      keepAliveMsecs: TCP_KEEPALIVE_MS,
      maxSockets: 8,
      ca: credentials.ca,
      cert: credentials.cert,
      key: credentials.privateKey,
      timeout: CONNECT_TIMEOUT_MS,
      checkServerIdentity: (_host, cert) => {
        if (cert.fingerprint256 !== pin.sha256) return refusedIdentity(address, cert.fingerprint256, pin.sha256);
        return undefined;
      },
    });
    const docker = new Docker({
      protocol: 'https',
      host: address.host,
      port: address.port,
      agent,
    } as Docker.DockerOptions);
    const watch = new NodeWatch(() => agent.destroy());
    return remoteOf(address, socket, docker, watch, async () => {
      agent.destroy();
    });
  }
  if (pin.kind !== 'ssh-host-key') throw invalid('An ssh:// node is pinned by its SSH host key.');
  const pinned = sshKeyBlob(pin.key);
  const agent = new SshAgent(address, {
    host: address.host,
    port: address.port,
    username: address.user,
    privateKey: credentials.privateKey,
    readyTimeout: CONNECT_TIMEOUT_MS,
    keepaliveInterval: KEEPALIVE_MS,
    keepaliveCountMax: KEEPALIVE_COUNT,
    // Ask for the pinned key's algorithm, so a server with several host keys presents that one.
    algorithms: { serverHostKey: [pinned.type as never] },
    hostVerifier: (key: Buffer) => Buffer.isBuffer(key) && key.equals(pinned.blob),
    pinnedFingerprint: sshFingerprint(pinned.blob),
  } as ConnectConfig);
  const docker = new Docker({ protocol: 'http', host: 'node', port: 80, agent } as Docker.DockerOptions);
  const watch = new NodeWatch(() => agent.drop());
  agent.onDrop = (reason) => watch.giveUp(reason);
  return remoteOf(address, socket, docker, watch, async () => await agent.close());
}
