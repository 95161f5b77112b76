/**
 * Enrolled nodes are authorization state (where runs go and whom we trust): a viewer holding only the
 * data key rewrites a node's address or pinned identity with raw SQL, and the unmodified product
 * refuses every use of a node with VERIFY_FAILED naming the altered row, records it, and uses nothing.
 * Enrolling needs a live node (nodes.add connects to it), so the row goes in as nodes.add writes it,
 * signed with the admin key of the admin's session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../../src/api/dispatcher';
import { NodeRecords, sealCredentials } from '../../../src/nodes';
import { pinFrom } from '../../../src/engine';
import { ADMIN_PASSWORD, addUser, initialisedCore, newCore, rejects, signIn, signerOf } from '../../helpers/core';
import { attackerWith, auditEvents } from '../../helpers/tamper';
import { FakeBundles, IMAGE } from '../runner/runner-env';
import { FakeEngine } from '../runner/fake-engine';
import { FIT as FACTS } from './facts';

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

function coreOptions() {
  const engine = new FakeEngine(() => ({ exitCode: 0 }));
  engine.addImage(IMAGE);
  return { engine, bundles: new FakeBundles() };
}

/** A store with an admin, an operator, a viewer and the node edge-1; closed, as the attacker finds it on disk. */
async function enrolledOnDisk() {
  const env = await initialisedCore({ core: coreOptions() });
  const op = await addUser(env.core, env.admin, 'olga', ['operator']);
  const viewer = await addUser(env.core, env.admin, 'vic', ['viewer']);
  const vault = env.core.sessions.all().find((s) => s.id === env.admin)!.keyring.vault!;
  const pin = pinFrom('ssh-docker', HOST_KEY);
  const db = env.core.store.db;
  db.transaction(() =>
    new NodeRecords(db).insert(
      {
        name: 'edge-1',
        transport: 'ssh-docker',
        address: 'ssh://runner@127.0.0.1:2222',
        pin,
        fingerprint: 'SHA256:sealed',
        credentialSealed: sealCredentials(vault, 'edge-1', { privateKey: 'not a real key' }),
        labels: { site: 'lab' },
        maxConcurrency: 2,
        facts: FACTS,
        by: 'user:admin',
        now: new Date().toISOString(),
      },
      signerOf(env.core, env.admin),
    ),
  )();
  // Untampered, the node is there for everyone signed in.
  const olga = await signIn(env.core, 'olga', op.password);
  assert.equal((await dispatch(env.core, olga, 'nodes.show', { name: 'edge-1' })).address, 'ssh://runner@127.0.0.1:2222');
  await env.core.close();
  const attacker = await attackerWith(env.home, 'vic', viewer.password);
  assert.equal(attacker.ring.admin, undefined, "a viewer's slot holds no admin key");
  return { env, op, attacker };
}

function tamperedEvents(home: string, dataKey: Buffer, action: string) {
  return auditEvents(home, dataKey, action).filter((e) => e.outcome !== 'success' && e.details.includes('VERIFY_FAILED'));
}

test("a node's address changed with the data key alone: show, list and a run on it are refused, recorded, and nothing runs", async () => {
  const { env, op, attacker } = await enrolledOnDisk();
  attacker.sql((db) => db.prepare("UPDATE engine_nodes SET address = 'ssh://runner@10.66.6.6:22' WHERE name = 'edge-1'").run());

  const { core } = newCore(env.home, undefined, coreOptions());
  const olga = await signIn(core, 'olga', op.password);
  const message = await rejects(dispatch(core, olga, 'nodes.show', { name: 'edge-1' }), 'VERIFY_FAILED');
  assert.match(message, /enrolled nodes table/);
  assert.match(message, /changed: edge-1/);
  assert.doesNotMatch(message, /10\.66\.6\.6/, 'the altered address is not handed out, not even in the error');
  await rejects(dispatch(core, olga, 'nodes.list', {}), 'VERIFY_FAILED');
  await rejects(dispatch(core, olga, 'runs.start', { bundle: 'svc', task: 'check', node: 'edge-1' }), 'VERIFY_FAILED');
  assert.equal((core.store.db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n, 0, 'no run was recorded');
  // An admin's change does not sign the altered rows either: removing a node checks the seal first.
  const admin = await signIn(core, 'admin', ADMIN_PASSWORD);
  await rejects(dispatch(core, admin, 'nodes.remove', { name: 'edge-1' }), 'VERIFY_FAILED');
  await core.close();

  for (const action of ['nodes.show', 'nodes.list', 'runs.start', 'nodes.remove']) {
    const events = tamperedEvents(env.home, attacker.ring.data, action);
    assert.equal(events.length, 1, `${action}: the refusal is in the audit chain`);
    assert.match(events[0]!.details, /enrolled nodes table/);
  }
  attacker.sql((db) =>
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM engine_nodes').get() as { n: number }).n, 1, 'the node was not removed'),
  );
  await env.cleanup();
});

test("a node's pinned identity swapped with the data key alone is refused before anything connects, and recorded", async () => {
  const { env, op, attacker } = await enrolledOnDisk();
  const other = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm9Vl0Vt1cWbq3lMJcS1nJ9uHc5W5d1mX2p0m6qv3Zs';
  attacker.sql((db) =>
    db
      .prepare("UPDATE engine_nodes SET pin = ?, pin_fingerprint = 'SHA256:attacker' WHERE name = 'edge-1'")
      .run(JSON.stringify({ kind: 'ssh-host-key', key: other })),
  );
  const { core } = newCore(env.home, undefined, coreOptions());
  const olga = await signIn(core, 'olga', op.password);
  await rejects(dispatch(core, olga, 'runs.start', { bundle: 'svc', task: 'check', node: 'edge-1' }), 'VERIFY_FAILED');
  const message = await rejects(dispatch(core, olga, 'nodes.list', {}), 'VERIFY_FAILED');
  assert.match(message, /changed: edge-1/);
  await core.close();
  assert.equal(tamperedEvents(env.home, attacker.ring.data, 'runs.start').length, 1);
  assert.equal(tamperedEvents(env.home, attacker.ring.data, 'nodes.list').length, 1);
  await env.cleanup();
});

test('a node added with the data key alone is refused; a refusal marked by a run is not a seal change', async () => {
  const { env, op, attacker } = await enrolledOnDisk();
  attacker.sql((db) => {
    // What a run writes without the admin key (a changed identity seen, last contact) keeps verifying.
    db.prepare("UPDATE engine_nodes SET state = 'refused', refused_reason = 'presented another key', last_seen_at = 'x'").run();
  });
  const { core } = newCore(env.home, undefined, coreOptions());
  const olga = await signIn(core, 'olga', op.password);
  assert.equal((await dispatch(core, olga, 'nodes.show', { name: 'edge-1' })).state, 'refused');
  await core.close();
  attacker.sql((db) =>
    db
      .prepare(
        `INSERT INTO engine_nodes(name, transport, address, pin, pin_fingerprint, credential_sealed, labels, max_concurrency, facts, state,
           enrolled_by, enrolled_at, pinned_by, pinned_at) SELECT 'evil', transport, 'ssh://root@10.66.6.6:22', pin, pin_fingerprint,
           credential_sealed, labels, max_concurrency, facts, 'enabled', enrolled_by, enrolled_at, pinned_by, pinned_at FROM engine_nodes`,
      )
      .run(),
  );
  const again = newCore(env.home, undefined, coreOptions()).core;
  const olga2 = await signIn(again, 'olga', op.password);
  const message = await rejects(dispatch(again, olga2, 'nodes.list', {}), 'VERIFY_FAILED');
  assert.match(message, /added: evil/);
  await again.close();
  await env.cleanup();
});
