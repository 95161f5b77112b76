// Smoke test of the real services that test/services.sh starts (docs/dev-services.md): the Docker
// engine on DOCKER_HOST, the registry on AIRGAP_TEST_REGISTRY and, when started with --podman, the
// Podman service on AIRGAP_TEST_PODMAN_HOST. Each check skips, saying so, when its variable is unset.
// Plain node:http on purpose: this checks the services, not our code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';

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
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
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
