// Smoke test of the remote-engine and SSH services that `test/services.sh start --remote` starts
// (docs/dev-services.md, "Remote engines and SSH hosts"): each node in a network namespace of its own,
// reached the way issues 17 and 18 will reach them. Each check skips, saying so, when its variable is
// unset. OpenSSH's client and node:https on purpose: this checks the services, not our code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const env = process.env;

/** Test traffic stays on this machine: loopback, or a 10.x address inside a namespace the setup made. */
function hostOf(url: string): string {
  const host = new URL(url).hostname;
  assert.match(host, /^(127|10)\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, `${url} must name a loopback or test-namespace address`);
  return host;
}

function ping(url: string, tls: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<{ body: string; fingerprint: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: Number(u.port), path: '/_ping', timeout: 5000, ...tls }, (res) => {
      const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ body: Buffer.concat(chunks).toString(), fingerprint }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

/** Runs `ssh -F config ARGS` with INPUT on stdin; resolves with stdout, rejects with stderr. */
function ssh(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', ['-F', env.AIRGAP_TEST_NODE_SSH_CONFIG!, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`ssh exited ${code}: ${err.trim()}`));
    });
    child.stdin.end(input);
  });
}

test('TLS node answers /_ping with our client certificate, with the pinned server certificate, and refuses without one', async (t) => {
  const url = env.AIRGAP_TEST_NODE_TLS;
  if (!url) return t.skip('SKIP: no AIRGAP_TEST_NODE_TLS (start test/services.sh --remote)');
  hostOf(url.replace(/^tcp:/, 'https:'));
  const ca = readFileSync(env.AIRGAP_TEST_NODE_TLS_CA!);
  const https = url.replace(/^tcp:/, 'https:');
  const reply = await ping(https, {
    ca,
    cert: readFileSync(env.AIRGAP_TEST_NODE_TLS_CERT!),
    key: readFileSync(env.AIRGAP_TEST_NODE_TLS_KEY!),
  });
  assert.equal(reply.body, 'OK');
  assert.equal(reply.fingerprint, new X509Certificate(readFileSync(env.AIRGAP_TEST_NODE_TLS_SERVER_CERT!)).fingerprint256);
  await assert.rejects(ping(https, { ca }), /certificate|handshake|socket hang up|ECONNRESET|alert/i);
});

test('SSH docker node: our key reaches the engine through dial-stdio, a wrong pinned host key is refused', async (t) => {
  const url = env.AIRGAP_TEST_NODE_SSH_DOCKER;
  if (!url) return t.skip('SKIP: no AIRGAP_TEST_NODE_SSH_DOCKER (start test/services.sh --remote)');
  const host = hostOf(url);
  // The key's forced command is `docker system dial-stdio`: stdin is the engine's HTTP socket.
  const answer = await ssh([`root@${host}`], 'GET /_ping HTTP/1.0\r\nHost: node\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.[01] 200 OK/);
  assert.match(answer, /\r\n\r\nOK$/);
  const dir = mkdtempSync(join(tmpdir(), 'remote-services-'));
  try {
    const other = readFileSync(env.AIRGAP_TEST_NODE_SSH_PODMAN_HOSTKEY!, 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(join(dir, 'known_hosts'), `${host} ${other}\n`);
    await assert.rejects(
      ssh(['-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, `root@${host}`], ''),
      /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SSH podman node: its key opens no session', async (t) => {
  const url = env.AIRGAP_TEST_NODE_SSH_PODMAN;
  if (!url) return t.skip('SKIP: no AIRGAP_TEST_NODE_SSH_PODMAN (start test/services.sh --remote)');
  await assert.rejects(ssh([`root@${hostOf(url)}`, 'id']), /ssh exited 1/);
});

test('SSH target trusts a CA the test writes, for a principal the test allows, until the certificate expires', async (t) => {
  const target = env.AIRGAP_TEST_TARGET_SSH_FROM_HOST;
  if (!target) return t.skip('SKIP: no AIRGAP_TEST_TARGET_SSH_FROM_HOST (start test/services.sh --remote)');
  hostOf(`ssh://${target}`);
  const dir = mkdtempSync(join(tmpdir(), 'remote-services-'));
  const principal = `services-test-${process.pid}`;
  const caFile = env.AIRGAP_TEST_TARGET_CA_KEYS!;
  const principals = join(env.AIRGAP_TEST_TARGET_PRINCIPALS_DIR!, 'root');
  let caLine = '';
  try {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'services-test-ca', '-f', join(dir, 'ca')]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
    await run('ssh-keygen', [
      '-q',
      '-s',
      join(dir, 'ca'),
      '-I',
      principal,
      '-n',
      principal,
      '-V',
      '-1m:+3s',
      '-z',
      '7',
      join(dir, 'id.pub'),
    ]);
    writeFileSync(
      join(dir, 'known_hosts'),
      `${target} ${readFileSync(env.AIRGAP_TEST_TARGET_HOSTKEY!, 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
    );
    caLine = readFileSync(join(dir, 'ca.pub'), 'utf8').trim();
    appendFileSync(caFile, `${caLine}\n`);
    appendFileSync(principals, `${principal}\n`);
    const args = [
      '-i',
      join(dir, 'id'),
      '-o',
      `CertificateFile=${join(dir, 'id-cert.pub')}`,
      '-o',
      `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
      `root@${target}`,
    ];
    const out = await ssh(args);
    assert.match(out, /^airgap-target: signed in as root$/m);
    assert.match(out, /ssh-ed25519-cert-v01@openssh\.com/);
    await new Promise((r) => setTimeout(r, 4000));
    await assert.rejects(ssh(args), /Permission denied/);
  } finally {
    const keep = (file: string, line: string) =>
      writeFileSync(
        file,
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l && l !== line)
          .map((l) => `${l}\n`)
          .join(''),
      );
    if (caLine) keep(caFile, caLine);
    keep(principals, principal);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('softhsm2 shows the test token', async (t) => {
  if (!env.SOFTHSM2_CONF || !env.AIRGAP_TEST_PKCS11_TOKEN) return t.skip('SKIP: no SOFTHSM2_CONF (start test/services.sh --remote)');
  const { stdout } = await run('softhsm2-util', ['--show-slots']);
  assert.match(stdout, new RegExp(`Label:\\s+${env.AIRGAP_TEST_PKCS11_TOKEN}\\s*$`, 'm'));
});
