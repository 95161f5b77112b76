/**
 * Remote engines (issue 17) against the real nodes of `test/services.sh start --remote`: a dockerd
 * over SSH dial-stdio (sd), Podman over a forwarded socket (sp), a dockerd with mutual TLS (tl), each
 * in a network namespace of its own. Enrolment with pinned identities (checked against ssh-keygen and
 * openssl as independent verifiers), a changed host key refused, the image sent and its id checked,
 * and hardened runs on sd, sp and tl: the node's own inspect, a canary secret and a picked file through
 * per-run tmpfs volumes, and nothing left on the node (containers, volumes, canary in its data root)
 * after a success and after a failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { DockerodeEngine, openRemoteEngine, parseNodeAddress, pinFrom, type RemoteEngine } from '../../../src/engine';
import { readTar, tarStream, type TarInputEntry } from '../../../src/oci';
import { LABELS } from '../../../src/runner';
import { sealNodes } from '../../../src/nodes';
import { rejects, signerOf } from '../../helpers/core';
import { dockerSkip, fixtureBundleDir, mirrorOf, runnerCore, unique, until, type RunnerCore } from '../runner/fixture';

const env = process.env;
const NEEDED = ['AIRGAP_TEST_NODE_SSH_DOCKER', 'AIRGAP_TEST_NODE_SSH_PODMAN', 'AIRGAP_TEST_NODE_TLS', 'AIRGAP_TEST_NODE_SSH_KEY'];
const missing = NEEDED.filter((n) => !env[n]);
const skip =
  dockerSkip() ??
  (missing.length > 0 ? `SKIP: no remote test nodes (${missing.join(', ')} unset): eval "$(test/services.sh start --remote)"` : undefined);

const FIXTURE = unique('rnd');
let c: RunnerCore;
const text = (path: string): string => readFileSync(path, 'utf8');

interface NodeUnderTest {
  name: string;
  address: string;
  /** SSH: the host key file; TLS: the server certificate file. */
  hostKey: string;
  dataRoot: string;
  tls?: boolean;
}
const sd = (): NodeUnderTest => ({
  name: unique('sd'),
  address: env.AIRGAP_TEST_NODE_SSH_DOCKER!,
  hostKey: env.AIRGAP_TEST_NODE_SSH_DOCKER_HOSTKEY!,
  dataRoot: env.AIRGAP_TEST_NODE_SSH_DOCKER_DATA_ROOT!,
});
const sp = (): NodeUnderTest => ({
  name: unique('sp'),
  address: env.AIRGAP_TEST_NODE_SSH_PODMAN!,
  hostKey: env.AIRGAP_TEST_NODE_SSH_PODMAN_HOSTKEY!,
  dataRoot: env.AIRGAP_TEST_NODE_SSH_PODMAN_DATA_ROOT!,
});
const tl = (): NodeUnderTest => ({
  name: unique('tl'),
  address: env.AIRGAP_TEST_NODE_TLS!,
  hostKey: env.AIRGAP_TEST_NODE_TLS_SERVER_CERT!,
  dataRoot: env.AIRGAP_TEST_NODE_TLS_DATA_ROOT!,
  tls: true,
});
let nodes: { sd: NodeUnderTest; sp: NodeUnderTest; tl: NodeUnderTest };

/**
 * This workstation's engine, except that while `tamper` is set the image it saves for a node is
 * altered on the way (its config gains a label), as bytes changed in transit or by the node would
 * be: the node then computes another image id. Everything else is the real engine.
 */
class TamperingEngine extends DockerodeEngine {
  tamper = false;

  override async saveImage(id: string): Promise<NodeJS.ReadableStream> {
    const saved = await super.saveImage(id);
    if (!this.tamper) return saved;
    const entries: TarInputEntry[] = [];
    for await (const e of readTar(saved as AsyncIterable<Buffer>, { allowSymlinks: true })) {
      if (e.type === 'directory') entries.push({ type: 'directory', path: e.path, mode: e.mode });
      else if (e.type === 'symlink') entries.push({ type: 'symlink', path: e.path, target: e.linkTarget! });
      else {
        const parts: Buffer[] = [];
        for await (const chunk of e.body()) parts.push(chunk);
        const body = Buffer.concat(parts);
        entries.push({ type: 'file', path: e.path, mode: e.mode, size: body.length, body });
      }
    }
    const file = (path: string) => entries.find((e): e is Extract<TarInputEntry, { type: 'file' }> => e.type === 'file' && e.path === path);
    const manifest = JSON.parse((file('manifest.json')!.body as Buffer).toString('utf8')) as Array<{ Config: string }>;
    const entry = file(manifest[0]!.Config)!;
    const config = JSON.parse((entry.body as Buffer).toString('utf8')) as { config: { Labels?: Record<string, string> | null } };
    config.config.Labels = { ...(config.config.Labels ?? {}), 'io.airgap-runner.test': 'tampered' };
    entry.body = Buffer.from(JSON.stringify(config));
    entry.size = entry.body.length;
    return Readable.from(tarStream(entries));
  }
}
let local: TamperingEngine;

/** The mutual-TLS client credentials the setup made. */
const tlsCredentials = () => ({
  privateKey: text(env.AIRGAP_TEST_NODE_TLS_KEY!),
  cert: text(env.AIRGAP_TEST_NODE_TLS_CERT!),
  ca: text(env.AIRGAP_TEST_NODE_TLS_CA!),
});

/** The test's own view of a node (the product's transport, pinned by the test from the setup's files). */
function nodeEngine(n: NodeUnderTest): RemoteEngine {
  const address = parseNodeAddress(n.address);
  const credentials = n.tls ? tlsCredentials() : { privateKey: text(env.AIRGAP_TEST_NODE_SSH_KEY!) };
  return openRemoteEngine(address, pinFrom(address.transport, text(n.hostKey)), credentials);
}

function grepTree(dir: string, needle: string): string[] {
  if (!existsSync(dir)) return [];
  const r = spawnSync('grep', ['-rlF', '-D', 'skip', '--', needle, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(r.status === 0 || r.status === 1 || r.status === 2, `grep failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/**
 * The node's engine process (dockerd, or the Podman service) from the setup's pid file beside its
 * data root: where it keeps runtime state outside the data root (dockerd's --exec-root; Podman's
 * run root is inside its data root) and the mounts it holds.
 */
function nodeRuntime(n: NodeUnderTest): { roots: string[]; mounts: () => string[] } {
  const dir = dirname(n.dataRoot);
  const pidFile = [join(dir, 'dockerd.pid'), join(dir, 'podman.pid')].find((f) => existsSync(f));
  assert.ok(pidFile, `the engine's pid file beside ${n.dataRoot}`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const at = args.indexOf('--exec-root');
  const roots = [n.dataRoot, ...(at >= 0 ? [args[at + 1]!] : [])];
  // Field 5 of mountinfo is the mount point, field 9 (after " - ") the file system type.
  const mounts = () =>
    readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => `${l.split(' ')[4]} ${l.split(' - ')[1]?.split(' ')[0]}`);
  return { roots, mounts };
}

/** Containers and volumes of one run left on a node. */
async function leftOnNode(n: NodeUnderTest, runId: string): Promise<{ containers: string[]; volumes: string[] }> {
  const remote = nodeEngine(n);
  try {
    const containers = (await remote.engine.listContainers({ label: `${LABELS.runId}=${runId}` })).map((x) => x.names.join(','));
    const volumes = await remote.engine.listVolumes({ label: `${LABELS.runId}=${runId}` });
    return { containers, volumes };
  } finally {
    await remote.close();
  }
}

async function enrolSsh(n: NodeUnderTest, labels: Record<string, string> = {}) {
  return await c.admin('nodes.add', {
    name: n.name,
    address: n.address,
    pin: text(n.hostKey),
    privateKey: text(env.AIRGAP_TEST_NODE_SSH_KEY!),
    labels,
  });
}

before(async () => {
  if (skip) return;
  nodes = { sd: sd(), sp: sp(), tl: tl() };
  const mirror = await mirrorOf([fixtureBundleDir(FIXTURE, unique('rndnet'))]);
  local = new TamperingEngine(DockerodeEngine.fromEnv({ DOCKER_HOST: env.DOCKER_HOST }).socket);
  c = await runnerCore(local);
  await c.importAll(mirror.source, mirror.refs.values());
  const canary = `CANARY-${randomBytes(12).toString('hex')}`;
  await c.op1('vault.add', { name: 'canary', value: Buffer.from(canary).toString('base64') });
  await c.op1('vault.bind', { name: 'canary', bundles: [FIXTURE] });
  (globalThis as { canary?: string }).canary = canary;
});

after(async () => {
  if (skip) return;
  await c.cleanup();
});

describe('remote engine nodes', { skip }, () => {
  test('enrolment of each transport with a pinned identity; the client key is never shown', async () => {
    // ssh + docker dial-stdio: the fingerprint is the one ssh-keygen computes from the setup's key file.
    const probed = await c.admin('nodes.probe', { address: nodes.sd.address });
    const keygen = execFileSync('ssh-keygen', ['-lf', nodes.sd.hostKey], { encoding: 'utf8' }).split(/\s+/)[1];
    assert.equal(probed.fingerprint, keygen);
    assert.equal(probed.transport, 'ssh-docker');
    const a = await enrolSsh(nodes.sd, { segment: 'dc1' });
    assert.equal(a.fingerprint, keygen);
    assert.equal(a.state, 'enabled');
    assert.equal(a.facts.engine, 'Docker');
    assert.equal(a.facts.seccomp, true);
    assert.match(a.facts.cgroupVersion, /^[12]$/);
    assert.deepEqual(a.labels, { segment: 'dc1' });

    // ssh + forwarded Podman socket.
    const b = await enrolSsh(nodes.sp);
    assert.equal(b.transport, 'ssh-podman');
    assert.equal(b.facts.engine, 'Podman');
    assert.equal(b.fingerprint, execFileSync('ssh-keygen', ['-lf', nodes.sp.hostKey], { encoding: 'utf8' }).split(/\s+/)[1]);

    // tcp + mutual TLS: the pinned certificate's SHA-256 is openssl's (node:crypto here) of the server certificate.
    const tlsName = unique('tl');
    const serverCert = text(env.AIRGAP_TEST_NODE_TLS_SERVER_CERT!);
    const t = await c.admin('nodes.add', {
      name: tlsName,
      address: env.AIRGAP_TEST_NODE_TLS!,
      pin: serverCert,
      privateKey: text(env.AIRGAP_TEST_NODE_TLS_KEY!),
      cert: text(env.AIRGAP_TEST_NODE_TLS_CERT!),
      ca: text(env.AIRGAP_TEST_NODE_TLS_CA!),
    });
    assert.equal(t.transport, 'tls');
    assert.equal(t.fingerprint, new X509Certificate(serverCert).fingerprint256);
    assert.equal(t.facts.engine, 'Docker');
    // Without the CA and client certificate: refused before anything is stored.
    await rejects(
      c.admin('nodes.add', {
        name: unique('tlx'),
        address: env.AIRGAP_TEST_NODE_TLS!,
        pin: serverCert,
        privateKey: text(env.AIRGAP_TEST_NODE_TLS_KEY!),
      }),
      'INVALID_INPUT',
    );

    // Reads: operators see nodes, never a key; the audit trail holds no key either.
    const listed = await c.op1('nodes.list', {});
    assert.deepEqual(listed.nodes.map((n) => n.name).sort(), [nodes.sd.name, nodes.sp.name, tlsName].sort());
    const everything = JSON.stringify(listed) + JSON.stringify(await c.admin('audit.list', { limit: 1000 }));
    assert.ok(!everything.includes('PRIVATE KEY'), 'no private key in reads or the audit trail');
    const keyBody = text(env.AIRGAP_TEST_NODE_SSH_KEY!).split('\n')[1]!;
    assert.ok(!everything.includes(keyBody));
    await rejects(
      c.op1('nodes.add', { name: unique('op'), address: nodes.sd.address, pin: text(nodes.sd.hostKey), privateKey: 'x' }),
      'FORBIDDEN',
    );
    await c.admin('nodes.remove', { name: tlsName });
  });

  test('an image whose id differs on the node is refused: the run errors before any container, and the node holds no verified copy', async () => {
    // Before any run on sd in this file: the node does not have the fixture's image yet, so it is sent.
    const before = nodeEngine(nodes.sd);
    let imageId: string;
    try {
      imageId = (await c.op1('bundles.show', { ref: FIXTURE })).bundle.imageId;
      assert.equal(await before.engine.inspectImage(imageId), null, 'the node does not hold the image yet');
    } finally {
      await before.close();
    }
    local.tamper = true;
    let run;
    try {
      run = await c.run({ bundle: FIXTURE, task: 'quick', node: nodes.sd.name });
    } finally {
      local.tamper = false;
    }
    assert.equal(run.outcome, 'error');
    assert.match(
      run.error ?? '',
      new RegExp(`The node did not load the verified image ${imageId} \\(it loaded sha256:[0-9a-f]{64}\\); the run was refused`),
    );
    assert.equal(run.sandbox, null, 'no container was made');
    const remote = nodeEngine(nodes.sd);
    try {
      assert.equal(await remote.engine.inspectImage(imageId), null, 'the verified id is not on the node');
      assert.deepEqual((await remote.engine.listContainers({ label: `${LABELS.runId}=${run.id}` })).length, 0);
      // The altered image the node did load is not the bundle's: remove it (the test made it).
      const loaded = /it loaded (sha256:[0-9a-f]{64})/.exec(run.error ?? '')![1]!;
      assert.equal((await remote.engine.inspectImage(loaded))?.labels['io.airgap-runner.test'], 'tampered');
      await remote.engine.removeImage(loaded, { force: true });
    } finally {
      await remote.close();
    }
    assert.ok(!(await c.op1('nodes.show', { name: nodes.sd.name })).images.includes(imageId), 'not recorded as sent');
    // The bytes as imported: the same run goes through.
    const again = await c.run({ bundle: FIXTURE, task: 'quick', node: nodes.sd.name });
    assert.equal(again.outcome, 'succeeded', again.error ?? '');
  });

  test('a changed host key is refused: at enrolment, and for an enrolled node until an admin re-pins it', async () => {
    // The sd address with the podman node's key pinned: refused before authentication, nothing stored.
    const wrong = unique('wrong');
    const message = await rejects(
      c.admin('nodes.add', {
        name: wrong,
        address: nodes.sd.address,
        pin: text(nodes.sp.hostKey),
        privateKey: text(env.AIRGAP_TEST_NODE_SSH_KEY!),
      }),
      'VERIFY_FAILED',
    );
    assert.match(message, /not the pinned/);
    await rejects(c.op1('nodes.show', { name: wrong }), 'NOT_FOUND');

    // An enrolled node whose key "changes" (its stored pin replaced by another key, as if the host key was regenerated).
    const n: NodeUnderTest = { ...nodes.sd, name: unique('sdk') };
    await enrolSsh(n);
    const other = pinFrom('ssh-docker', text(nodes.sp.hostKey));
    // The pin is admin-sealed state, so the swap is re-signed with the admin key: this is about the host, not tampering.
    const db = c.env.core.store.db;
    db.transaction(() => {
      db.prepare('UPDATE engine_nodes SET pin = ? WHERE name = ?').run(JSON.stringify(other), n.name);
      sealNodes(db, signerOf(c.env.core, c.env.admin));
    })();
    const run = await c.run({ bundle: FIXTURE, task: 'quick', node: n.name });
    assert.equal(run.outcome, 'error');
    assert.match(run.error ?? '', /not the pinned/);
    const refused = await c.op1('nodes.show', { name: n.name });
    assert.equal(refused.state, 'refused');
    assert.match(await rejects(c.op1('runs.start', { bundle: FIXTURE, task: 'quick', node: n.name }), 'POLICY_DENIED'), /re-pin/);
    // The admin re-pins with the key checked out of band: enabled again, and it runs.
    const pinned = await c.admin('nodes.pin', { name: n.name, pin: text(nodes.sd.hostKey) });
    assert.equal(pinned.state, 'enabled');
    assert.equal((await c.run({ bundle: FIXTURE, task: 'quick', node: n.name })).outcome, 'succeeded');
    await c.admin('nodes.remove', { name: n.name });
  });

  for (const which of ['sd', 'sp', 'tl'] as const) {
    test(`${which}: the image is sent and its id checked; a hardened run with a canary secret and a file through tmpfs volumes; nothing left after success or failure`, async () => {
      const n = nodes[which];
      // sd and sp were enrolled by the first test; the TLS node is enrolled here (that test removes its own).
      if (n.tls) await c.admin('nodes.add', { name: n.name, address: n.address, pin: text(n.hostKey), ...tlsCredentials() });
      const docker = which !== 'sp';
      const canary = (globalThis as { canary?: string }).canary!;
      const picked = join(mkdtempSync(join(tmpdir(), 'remote-file-')), 'picked.txt');
      writeFileSync(picked, 'first line of the picked file\n');
      const { id } = await c.op1('runs.start', {
        bundle: FIXTURE,
        task: 'canary',
        values: { HOLD: '6' },
        files: { LOG: picked },
        secrets: { canary: 'canary' },
        node: n.name,
      });
      await until(
        async () => (await c.op1('runs.logs', { id })).lines.some((l) => l.text.startsWith('file: ')),
        60_000,
        'the task to print',
      );
      const shownRun = await c.op1('runs.show', { id });
      const remote = nodeEngine(n);
      try {
        // The image on the node has the verified id (sent from this workstation; the node never pulls).
        const image = await remote.engine.inspectImage(shownRun.imageId);
        assert.equal(image?.id, shownRun.imageId);
        assert.ok((await c.op1('nodes.show', { name: n.name })).images.includes(shownRun.imageId));
        // The node's own inspect: the same hardening as a local run, and no bind mount.
        const [container] = (await remote.engine.listContainers({ label: `${LABELS.runId}=${id}` })).filter(
          (x) => x.labels['io.airgap-runner.part'] === undefined,
        );
        assert.ok(container, 'the task container carries the run id');
        const sandbox = (await remote.engine.inspectSandbox(container.id))!;
        assert.equal(sandbox.readOnlyRootfs, true);
        // Docker reports CapDrop as given; Podman expands ALL into every capability it would grant (the task's
        // own CapEff/CapBnd of 0, asserted from its log below, is the check that holds on both).
        const dropped = sandbox.capDrop.map((x) => x.replace(/^CAP_/, ''));
        if (docker) assert.deepEqual(dropped, ['ALL']);
        else
          for (const cap of ['CHOWN', 'DAC_OVERRIDE', 'SETUID', 'SETGID', 'NET_RAW', 'SYS_CHROOT']) assert.ok(dropped.includes(cap), cap);
        assert.ok(
          sandbox.securityOpt.some((o) => /^no-new-privileges(:true)?$/.test(o)),
          sandbox.securityOpt.join(','),
        );
        assert.equal(sandbox.privileged, false);
        assert.equal(sandbox.networkMode, 'none');
        assert.equal(sandbox.user, '65534:65534');
        assert.equal(sandbox.pidsLimit, 24);
        assert.equal(sandbox.memoryBytes, 48 * 1024 * 1024);
        assert.equal(sandbox.nanoCpus, 500_000_000);
        assert.equal(sandbox.logDriver, 'none');
        // Podman adds its own tmpfs on /run and /var/tmp to a read-only root filesystem (read_only_tmpfs).
        assert.deepEqual(sandbox.tmpfs, docker ? ['/tmp'] : ['/run', '/tmp', '/var/tmp']);
        assert.deepEqual(
          sandbox.mounts.filter((m) => m.type === 'bind'),
          [],
          'no bind mount on a node',
        );
        const byTarget = Object.fromEntries(sandbox.mounts.map((m) => [m.target, m]));
        assert.equal(byTarget['/airgap/secrets']?.type, 'volume');
        assert.equal(byTarget['/airgap/secrets']?.readOnly, true);
        assert.equal(byTarget['/airgap/files']?.readOnly, true);
        assert.equal(byTarget['/airgap/output']?.readOnly, false);
        // The canary is in RAM only: while the task runs, every file under the node's data root that holds
        // it is on a tmpfs (the run's volumes); none is on the node's disk.
        const hits = grepTree(n.dataRoot, canary);
        assert.ok(hits.length > 0, 'the grep does see the run volume while it is mounted');
        for (const hit of hits) assert.equal(execFileSync('stat', ['-f', '-c', '%T', hit], { encoding: 'utf8' }).trim(), 'tmpfs', hit);
        // ...mounted by the node's engine as tmpfs, while the run lasts.
        assert.ok(
          nodeRuntime(n)
            .mounts()
            .some((m) => m.includes(`airgap-${id}-secrets`) && m.endsWith(' tmpfs')),
          "the run's secrets volume is a tmpfs mount of the node's engine",
        );
      } finally {
        await remote.close();
      }
      await c.env.core.runner.waitFor(id);
      const run = await c.op1('runs.show', { id });
      assert.equal(run.outcome, 'succeeded', run.error ?? '');
      const lines = (await c.op1('runs.logs', { id })).lines.map((l) => l.text);
      assert.ok(lines.includes(`sha256: ${createHash('sha256').update(canary).digest('hex')}`), 'the task read the canary');
      assert.ok(lines.includes('the secret is [MASKED]'));
      assert.ok(lines.includes('rootfs: read-only'));
      assert.ok(lines.includes('file: first line of the picked file'));
      assert.ok(lines.includes('file: read-only'));
      // Podman writes a passwd entry for the user, so `id` prints names there.
      assert.ok(
        lines.some((l) => /^id: uid=65534(\(\w+\))? gid=65534(\(\w+\))? groups=65534(\(\w+\))?$/.test(l)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((l) => /^CapEff:\s+0+$/.test(l)),
        'no effective capabilities',
      );
      assert.ok(
        lines.some((l) => /^CapBnd:\s+0+$/.test(l)),
        'empty bounding set',
      );
      assert.ok(lines.some((l) => /^NoNewPrivs:\s+1$/.test(l)));
      assert.ok(
        lines.some((l) => /^Seccomp:\s+2$/.test(l)),
        'seccomp filter mode',
      );
      // The output came back through the node's volume: the issue the task wrote.
      assert.deepEqual(
        run.issueList.map((i) => i.title),
        ['Secret delivered: [MASKED]'],
      );
      // The run records the node and the node's inspect.
      assert.equal(run.sandbox?.node, n.name);
      assert.equal(run.sandbox?.inspected?.readOnlyRootfs, true);
      assert.deepEqual(
        run.sandbox?.inspected?.mounts.filter((m) => m.type === 'bind'),
        [],
      );
      assert.deepEqual(await leftOnNode(n, id), { containers: [], volumes: [] }, 'nothing left after success');
      // Gone from the node: its data root, the engine's runtime state, and no tmpfs of the run still mounted.
      const runtime = nodeRuntime(n);
      for (const root of runtime.roots) assert.deepEqual(grepTree(root, canary), [], `canary gone from ${root}`);
      assert.deepEqual(
        runtime.mounts().filter((m) => m.includes(`airgap-${id}-`)),
        [],
        "the run's tmpfs volumes are unmounted",
      );

      // A failing task: settled as failed, and nothing left either.
      const failed = await c.run({ bundle: FIXTURE, task: 'fail', node: n.name });
      assert.equal(failed.outcome, 'failed');
      assert.equal(failed.exitCode, 3);
      assert.deepEqual(await leftOnNode(n, failed.id), { containers: [], volumes: [] }, 'nothing left after failure');
      // A run cancelled mid-way (the secret already on the node): nothing left.
      const held = await c.op1('runs.start', {
        bundle: FIXTURE,
        task: 'canary',
        values: { HOLD: '60' },
        secrets: { canary: 'canary' },
        node: n.name,
      });
      await until(
        async () => (await c.op1('runs.logs', { id: held.id })).lines.some((l) => l.text.startsWith('rootfs')),
        60_000,
        'the held task',
      );
      await c.op1('runs.cancel', { id: held.id });
      await c.env.core.runner.waitFor(held.id);
      assert.equal((await c.op1('runs.show', { id: held.id })).outcome, 'cancelled');
      assert.deepEqual(await leftOnNode(n, held.id), { containers: [], volumes: [] }, 'nothing left after a cancel');
      assert.deepEqual(grepTree(n.dataRoot, canary), []);
    });
  }
});
