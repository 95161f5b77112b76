/** The service's parts that need no core: the wire's framing, the peer check, the token file, pinned sessions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameReader, MAX_FRAME_BYTES, RequestRouter } from '../../../src/kernel';
import { checkPeer, checkSocketFile, peerPidsFrom } from '../../../src/service';
import { readToken, tokenPath, writeToken } from '../../../src/cli/token';
import { Sessions } from '../../../src/identity/sessions';

test('frames: split across chunks, several in one chunk; bad JSON and oversized frames are errors', () => {
  const frames: unknown[] = [];
  const errors: string[] = [];
  const reader = new FrameReader(
    (f) => frames.push(f),
    (why) => errors.push(why),
  );
  reader.push(Buffer.from('{"a":1}\n{"b":'));
  reader.push(Buffer.from('2}\n\n{"c":3}'));
  reader.push(Buffer.from('\n'));
  assert.deepEqual(frames, [{ a: 1 }, { b: 2 }, { c: 3 }]);
  reader.push(Buffer.from('not json\n'));
  assert.deepEqual(errors, ['a frame that is not JSON']);
  const big = new FrameReader(
    () => assert.fail('no frame'),
    (why) => errors.push(why),
  );
  big.push(Buffer.alloc(MAX_FRAME_BYTES + 1, 0x61));
  assert.match(errors[1]!, /a frame over/);
});

test('the request router: results by id, events until stopped, everything fails when the other end goes', async () => {
  const router = new RequestRouter();
  const sent: number[] = [];
  const call = router.request((id) => sent.push(id));
  router.receive({ kind: 'result', id: sent[0], result: { ok: true, value: 7 } });
  assert.deepEqual(await call, { ok: true, value: 7 });
  const events: unknown[] = [];
  const stopped: number[] = [];
  const sub = router.subscribe(
    (id) => sent.push(id),
    (e) => events.push(e),
    (id) => stopped.push(id),
  );
  router.receive({ kind: 'result', id: sent[1], result: { ok: true, value: null } });
  const result = await sub;
  assert.equal(result.ok, true);
  router.receive({ kind: 'event', id: sent[1], event: 'x' });
  if (result.ok) result.value();
  router.receive({ kind: 'event', id: sent[1], event: 'y' });
  assert.deepEqual(events, ['x']);
  assert.deepEqual(stopped, [sent[1]]);
  const open = router.request(() => undefined);
  router.failAll({ code: 'INTERNAL', message: 'gone' });
  assert.deepEqual(await open, { ok: false, error: { code: 'INTERNAL', message: 'gone' } });
});

test('ss lines: the peer of this end, then the pids holding it; a home path with spaces still parses', () => {
  const ss = [
    'u_str ESTAB 0 0 /tmp/a home/service.sock 5001 * 5002 users:(("node",pid=10,fd=20))',
    'u_str ESTAB 0 0 * 5002 * 5001 users:(("node",pid=11,fd=3),("sh",pid=12,fd=3))',
    'u_str ESTAB 0 0 * 6001 * 6002',
  ].join('\n');
  assert.deepEqual(peerPidsFrom(ss, '5001'), [11, 12]);
  assert.deepEqual(peerPidsFrom(ss, '6001'), [], 'a peer that is not listed: nothing seen, refused by the caller');
  assert.equal(peerPidsFrom(ss, '7777'), null);
});

async function listening(dir: string): Promise<{ path: string; accepted: Promise<Socket>; close: () => void }> {
  const path = join(dir, 's.sock');
  let accept!: (s: Socket) => void;
  const accepted = new Promise<Socket>((r) => (accept = r));
  const server = createServer(accept);
  await new Promise<void>((r) => server.listen(path, r));
  chmodSync(path, 0o600);
  return { path, accepted, close: () => server.close() };
}

test('the socket file and its folder must be this uid’s alone; a peer of this uid is admitted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'svc-peer-'));
  chmodSync(dir, 0o700);
  const server = await listening(dir);
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(checkSocketFile(server.path), null);
  chmodSync(server.path, 0o660);
  assert.match(checkSocketFile(server.path)!, /mode 660, not 600/);
  chmodSync(server.path, 0o600);
  chmodSync(dir, 0o777);
  assert.match(checkSocketFile(server.path)!, /writable by others/);
  chmodSync(dir, 0o700);
  assert.match(checkSocketFile(join(dir, 'missing.sock'))!, /ENOENT/);
  assert.equal(checkSocketFile(server.path, process.geteuid!() + 1)?.includes('owned by uid'), true);

  const client = connect(server.path);
  t.after(() => client.destroy());
  const verdict = await checkPeer(await server.accepted);
  assert.equal(verdict.ok, true, verdict.why);
  assert.equal(verdict.pid, process.pid);
  const other = await checkPeer(await server.accepted, process.geteuid!() + 1);
  assert.equal(other.ok, false);
  assert.match(other.why, /runs as uid \d+, not \d+/);
});

test('the token file is written 0600 and whole; a file others could read is not trusted', (t) => {
  const home = mkdtempSync(join(tmpdir(), 'svc-token-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  writeToken(home, { sessionId: 's-1', user: 'alice', servicePid: 1, createdAt: 'now' });
  assert.equal(statSync(tokenPath(home)).mode & 0o777, 0o600);
  assert.equal(readToken(home)?.sessionId, 's-1');
  const text = readFileSync(tokenPath(home), 'utf8');
  writeFileSync(tokenPath(home), text, { mode: 0o644 });
  chmodSync(tokenPath(home), 0o644);
  assert.equal(readToken(home), null);
});

test('a pinned session (the unseal session) never idles out; it still ends when ended', () => {
  const sessions = new Sessions(1000);
  const keyring = {} as never;
  const pinned = sessions.create({ userId: 1, name: 'op', roles: ['operator'], mustChangePassword: false, keyring }, 0);
  const other = sessions.create({ userId: 2, name: 'v', roles: ['viewer'], mustChangePassword: false, keyring }, 0);
  sessions.pin(pinned.id);
  assert.ok(sessions.touch(pinned.id, 10_000));
  assert.equal(sessions.touch(other.id, 10_000), undefined);
  sessions.endAll();
  assert.equal(sessions.isLive(pinned.id, 10_000), false);
});
