/**
 * A real CNCF distribution registry (Debian's `docker-registry`) for the mirror tests, on 127.0.0.1.
 * Uses AIRGAP_TEST_REGISTRY (HOST:PORT, started by test/services.sh) when set and the test needs no
 * special configuration; otherwise starts a private instance with a temporary config and storage.
 * Returns a `skip` reason instead when no registry binary exists, so tests can say so plainly.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  authority: string;
  /** `registry://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT` or `https://…` */
  baseUrl: string;
  /** True when this process started it (and stop() ends it). */
  own: boolean;
  /** Own instances only: the filesystem storage root (to corrupt blobs on purpose). */
  storageDir?: string;
  stop(): Promise<void>;
}

export interface RegistryConfig {
  /** An htpasswd line (`user:$2b$…`) to require basic auth. */
  htpasswd?: string;
  tls?: { certFile: string; keyFile: string };
  /** Token auth: realm URL and the PEM bundle of the token signer's certificate. */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /** Always start a private instance, even when AIRGAP_TEST_REGISTRY is set. */
  private?: boolean;
  /** Serve this storage folder (kept on stop) instead of a fresh one: fill it without auth, then serve it with auth. */
  storageDir?: string;
}

export const REGISTRY_BINARY = process.env.AIRGAP_REGISTRY_BIN ?? 'docker-registry';

export function registryMissing(): string | undefined {
  const probe = spawnSync(REGISTRY_BINARY, ['--version'], { encoding: 'utf8' });
  if (probe.error) return `no registry binary: "${REGISTRY_BINARY}" not found (apt-get install docker-registry); registry tests skipped`;
  return undefined;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(baseUrl: string, child: ChildProcess | undefined, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${log()}`);
    try {
      const response = await fetch(`${baseUrl}/v2/`);
      if (response.status === 200 || response.status === 401) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`registry at ${baseUrl} did not become ready: ${lastError} ${log()}`);
}

/** For TLS instances: wait until the port accepts connections (no certificate shortcut needed). */
async function waitPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`registry on port ${port} did not start: ${log()}`);
}

export async function startRegistry(config: RegistryConfig = {}): Promise<TestRegistry | { skip: string }> {
  const shared = process.env.AIRGAP_TEST_REGISTRY;
  const special = config.htpasswd || config.tls || config.token || config.private || config.storageDir;
  if (shared && !special) {
    const baseUrl = `http://${shared}`;
    await waitReady(baseUrl, undefined, () => '');
    return { authority: shared, url: `registry://${shared}`, baseUrl, own: false, stop: async () => undefined };
  }
  const missing = registryMissing();
  if (missing) return { skip: missing };

  const dir = mkdtempSync(join(tmpdir(), 'airgap-registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${config.storageDir ?? join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: airgap-runner-test-only',
  ];
  if (config.tls) lines.push('  tls:', `    certificate: ${config.tls.certFile}`, `    key: ${config.tls.keyFile}`);
  if (config.htpasswd) {
    writeFileSync(join(dir, 'htpasswd'), `${config.htpasswd}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: airgap-test', `    path: ${join(dir, 'htpasswd')}`);
  } else if (config.token) {
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${config.token.realm}`,
      `    service: ${config.token.service}`,
      `    issuer: ${config.token.issuer}`,
      `    rootcertbundle: ${config.token.rootCertBundle}`,
    );
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const scheme = config.tls ? 'https' : 'http';
  const baseUrl = `${scheme}://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (!config.tls) await waitReady(baseUrl, child, () => stderr);
    else await waitPort(port, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    authority: `127.0.0.1:${port}`,
    url: `registry://127.0.0.1:${port}`,
    baseUrl,
    own: true,
    storageDir: config.storageDir ?? join(dir, 'data'),
    stop,
  };
}

/** A bcrypt htpasswd line (cost 4: fast tests), with whatever tool this machine has; a skip reason when none. */
export function bcryptHtpasswd(user: string, password: string): { line: string; tool: string } | { skip: string } {
  const htpasswd = spawnSync('htpasswd', ['-nbB', '-C', '4', user, password], { encoding: 'utf8' });
  if (!htpasswd.error && htpasswd.status === 0) return { line: htpasswd.stdout.trim(), tool: 'htpasswd -B (apache2-utils)' };
  const script = 'import crypt,sys;print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))';
  const py = spawnSync('python3', ['-W', 'ignore', '-c', script, password], { encoding: 'utf8' });
  const hash = py.stdout?.trim() ?? '';
  if (!py.error && py.status === 0 && hash.startsWith('$2')) return { line: `${user}:${hash}`, tool: "python3's crypt module (bcrypt)" };
  return { skip: 'no bcrypt tool: neither htpasswd (apache2-utils) nor python3 with the crypt module; basic-auth test skipped' };
}
