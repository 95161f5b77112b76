// Smoke test of the real services that test/services.sh starts (docs/dev-services.md): the Docker
// engine on DOCKER_HOST, the registry on AIRGAP_TEST_REGISTRY and, when started with --podman, the
// Podman service on AIRGAP_TEST_PODMAN_HOST; with --identity the SAML IdP, slapd and oathtool. Each
// check skips, saying so, when its variable is unset.
// Plain node:http on purpose: this checks the services, not our code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { execFile } from 'node:child_process';
import { createHmac, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

type Target = { socketPath: string } | { host: string; port: number };

function get(target: Target, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ ...target, path, method: 'GET', timeout: 5000, headers: { host: 'localhost' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within 5 s to GET ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** The socket path of a unix:// engine address; anything else is a misconfiguration here. */
function socketOf(name: string, value: string): string {
  assert.match(value, /^unix:\/\/\/./, `${name} must be unix:///path/to.sock (got ${value})`);
  return value.slice('unix://'.length);
}

async function checkEngine(name: string, value: string): Promise<void> {
  const target = { socketPath: socketOf(name, value) };
  const ping = await get(target, '/_ping');
  assert.equal(ping.status, 200, `GET /_ping on ${value}`);
  assert.equal(ping.body, 'OK');
  const version = await get(target, '/version');
  assert.equal(version.status, 200, `GET /version on ${value}`);
  const info = JSON.parse(version.body) as { Version?: unknown; ApiVersion?: unknown };
  assert.equal(typeof info.Version, 'string', `/version has a Version: ${version.body.slice(0, 200)}`);
  assert.match(String(info.Version), /^\d+\.\d+/);
  assert.equal(typeof info.ApiVersion, 'string');
}

test('docker engine on DOCKER_HOST answers /_ping and /version', async (t) => {
  const value = process.env.DOCKER_HOST;
  if (!value) return t.skip('SKIP: no DOCKER_HOST (start test/services.sh)');
  await checkEngine('DOCKER_HOST', value);
});

test('registry on AIRGAP_TEST_REGISTRY answers GET /v2/ with 200', async (t) => {
  const value = process.env.AIRGAP_TEST_REGISTRY;
  if (!value) return t.skip('SKIP: no AIRGAP_TEST_REGISTRY (start test/services.sh)');
  // Test traffic stays on this machine: the registry is bound to loopback only.
  const m = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost):(\d{1,5})$/.exec(value);
  assert.ok(m, `AIRGAP_TEST_REGISTRY must be a loopback HOST:PORT (got ${value})`);
  const reply = await get({ host: m[1]!, port: Number(m[2]) }, '/v2/');
  assert.equal(reply.status, 200, `GET http://${value}/v2/`);
  assert.equal(reply.headers['docker-distribution-api-version'], 'registry/2.0');
});

test('podman service on AIRGAP_TEST_PODMAN_HOST answers /_ping and /version', async (t) => {
  const value = process.env.AIRGAP_TEST_PODMAN_HOST;
  if (!value) return t.skip('SKIP: no AIRGAP_TEST_PODMAN_HOST (start test/services.sh --podman)');
  await checkEngine('AIRGAP_TEST_PODMAN_HOST', value);
});

// --- identity services (test/services.sh start --identity) -------------------------------------------

const pexecFile = promisify(execFile);

function loopbackUrl(name: string, value: string, scheme: string): URL {
  const url = new URL(value);
  assert.equal(url.protocol, `${scheme}:`, `${name} must be ${scheme}:// (got ${value})`);
  assert.match(url.hostname, /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, `${name} must be on loopback (got ${value})`);
  return url;
}

test('SAML IdP on AIRGAP_TEST_IDP_URL serves the metadata exported to AIRGAP_TEST_IDP_METADATA, with its signing cert', async (t) => {
  const value = process.env.AIRGAP_TEST_IDP_URL;
  if (!value) return t.skip('SKIP: no AIRGAP_TEST_IDP_URL (start test/services.sh --identity)');
  const url = loopbackUrl('AIRGAP_TEST_IDP_URL', value, 'http');
  const reply = await get({ host: url.hostname, port: Number(url.port) }, '/saml2/idp/metadata.php');
  assert.equal(reply.status, 200, `GET ${value}/saml2/idp/metadata.php`);
  assert.equal(
    reply.body,
    readFileSync(process.env.AIRGAP_TEST_IDP_METADATA!, 'utf8'),
    'the exported metadata file is what the IdP serves',
  );
  assert.ok(reply.body.includes(`entityID="${process.env.AIRGAP_TEST_IDP_ENTITY_ID}"`), 'metadata names AIRGAP_TEST_IDP_ENTITY_ID');
  assert.ok(reply.body.includes(`Location="${value}/saml2/idp/SSOService.php"`), 'metadata names the SSO endpoint on this port');
  const cert = new X509Certificate(readFileSync(process.env.AIRGAP_TEST_IDP_CERT!));
  assert.ok(reply.body.includes(cert.raw.toString('base64')), 'metadata carries the certificate in AIRGAP_TEST_IDP_CERT');
  assert.ok(statSync(process.env.AIRGAP_TEST_IDP_SP_DIR!).isDirectory(), 'AIRGAP_TEST_IDP_SP_DIR exists');
});

test('slapd on AIRGAP_TEST_LDAP_URL speaks TLS with a certificate of the test CA only, and takes a bind there and after StartTLS', async (t) => {
  const value = process.env.AIRGAP_TEST_LDAP_URL;
  if (!value) return t.skip('SKIP: no AIRGAP_TEST_LDAP_URL (start test/services.sh --identity)');
  const url = loopbackUrl('AIRGAP_TEST_LDAP_URL', value, 'ldaps');
  const ca = readFileSync(process.env.AIRGAP_TEST_LDAP_CA!, 'utf8');
  const handshake = (opts: { ca?: string }) =>
    new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: url.hostname, port: Number(url.port), timeout: 5000, ...opts }, () => {
        const protocol = socket.getProtocol() ?? '';
        socket.end();
        resolve(protocol);
      });
      socket.on('timeout', () => socket.destroy(new Error(`no TLS handshake within 5 s with ${value}`)));
      socket.on('error', reject);
    });
  assert.match(await handshake({ ca }), /^TLSv1\.[23]$/);
  await assert.rejects(handshake({}), /self[- ]signed|unable to (get|verify)/, 'the system roots do not trust the test CA');
  // Debian's ldapwhoami as an independent client: bind as a test user over LDAPS, then after StartTLS.
  const dn = `uid=alice,${process.env.AIRGAP_TEST_LDAP_USERS_DN}`;
  const whoami = async (...args: string[]) =>
    (
      await pexecFile('ldapwhoami', [...args, '-o', 'nettimeout=5', '-x', '-D', dn, '-w', 'alice-pass-1'], {
        env: { ...process.env, LDAPTLS_CACERT: process.env.AIRGAP_TEST_LDAP_CA!, LDAPTLS_REQCERT: 'demand' },
        timeout: 10_000,
      })
    ).stdout.trim();
  assert.equal(await whoami('-H', value), `dn:${dn}`);
  const startTls = process.env.AIRGAP_TEST_LDAP_STARTTLS_URL!;
  assert.equal(await whoami('-ZZ', '-H', startTls), `dn:${dn}`, `StartTLS bind on ${startTls}`);
});

test('oathtool (with the identity services) agrees with RFC 6238 as computed here', async (t) => {
  if (!process.env.AIRGAP_TEST_IDENTITY_USERS) return t.skip('SKIP: no AIRGAP_TEST_IDENTITY_USERS (start test/services.sh --identity)');
  // RFC 6238 appendix B: SHA-1 key "12345678901234567890", T = 59 s gives 94287082 (8 digits).
  const { stdout } = await pexecFile(
    'oathtool',
    ['--totp', '--digits=8', '--now=1970-01-01 00:00:59 UTC', Buffer.from('12345678901234567890').toString('hex')],
    {
      timeout: 10_000,
    },
  );
  assert.equal(stdout.trim(), '94287082');
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(1n);
  const mac = createHmac('sha1', '12345678901234567890').update(step).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  assert.equal(String((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** 8).padStart(8, '0'), '94287082');
});
