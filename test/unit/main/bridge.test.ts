/**
 * The privileged half of window.api without Electron: the SessionBridge's session binding and
 * checks, and the port protocol between main and the core's utility process, run against a real
 * Core over an in-memory port pair.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core } from '../../../src/api/core';
import { SessionBridge, type CoreLink } from '../../../main/session-bridge';
import { PortLink, serveCore, type HostPort, type HostReply, type HostRequest } from '../../../main/core-protocol';
import { directLink } from '../../../main/core-link';
import type { Result } from '../../../src/kernel';

function recordingLink(answer: (name: string) => Result<unknown> = () => ({ ok: true, value: { ok: true } })) {
  const calls: Array<{ sessionId: string | null; name: string }> = [];
  const stops: string[] = [];
  const link: CoreLink = {
    call: async (sessionId, name) => {
      calls.push({ sessionId, name });
      return name === 'auth.signIn'
        ? { ok: true, value: { sessionId: `s${calls.length}`, user: { name: 'alice' }, permissions: ['signedIn'] } }
        : answer(name);
    },
    subscribe: async (_sessionId, name) => ({ ok: true, value: () => void stops.push(name) }),
  };
  return { link, calls, stops };
}

describe('SessionBridge', () => {
  it('binds the session on sign-in, never returns it, and ends the previous one', async () => {
    const { link, calls } = recordingLink();
    const bridge = new SessionBridge<number>(link);
    const first = await bridge.call(1, 'auth.signIn', { name: 'alice', password: 'p' });
    assert.deepEqual(first, { ok: true, value: { user: { name: 'alice' }, permissions: ['signedIn'] } });
    assert.equal(bridge.isSignedIn(1), true);
    assert.equal(bridge.isSignedIn(2), false, 'another window has its own session');
    await bridge.call(1, 'users.list', {});
    assert.equal(calls.at(-1)!.sessionId, 's1');
    await bridge.call(1, 'auth.signIn', { name: 'alice', password: 'p' });
    assert.deepEqual(calls.slice(-1)[0], { sessionId: 's1', name: 'auth.signOut' }, 'the replaced session is ended in the core');
  });

  it('sends public operations without the session, so a stale one cannot block sign-in or setup', async () => {
    const { link, calls } = recordingLink();
    const bridge = new SessionBridge<number>(link);
    await bridge.call(1, 'auth.signIn', {});
    await bridge.call(1, 'system.status', {});
    assert.equal(calls.at(-1)!.sessionId, null);
  });

  it('forgets the session on sign-out and when the core says it ended', async () => {
    const { link } = recordingLink((name) =>
      name === 'users.list' ? { ok: false, error: { code: 'UNAUTHENTICATED', message: 'ended' } } : { ok: true, value: null },
    );
    const bridge = new SessionBridge<number>(link);
    await bridge.call(1, 'auth.signIn', {});
    await bridge.call(1, 'auth.signOut', {});
    assert.equal(bridge.isSignedIn(1), false);
    await bridge.call(1, 'auth.signIn', {});
    await bridge.call(1, 'users.list', {});
    assert.equal(bridge.isSignedIn(1), false);
  });

  it('refuses unknown names and ungranted paths without reaching the core', async () => {
    const { link, calls } = recordingLink();
    const bridge = new SessionBridge<number>(link);
    const unknown = await bridge.call(1, 'constructor', {});
    assert.equal(!unknown.ok && unknown.error.code, 'NOT_FOUND');
    const path = await bridge.call(1, 'store.restore', { file: '/etc/shadow', recoveryKey: 'x' });
    assert.equal(!path.ok && path.error.code, 'INVALID_INPUT');
    assert.equal(calls.length, 0);
    bridge.grantPath(2, '/etc/shadow');
    assert.equal((await bridge.call(1, 'store.restore', { file: '/etc/shadow', recoveryKey: 'x' })).ok, false, 'a grant is per window');
  });

  it('a PKCS#11 module (a library the core loads), a CA key file and a KRL path must each have been picked, nested fields too', async () => {
    const { link, calls } = recordingLink();
    const bridge = new SessionBridge<number>(link);
    const token = { module: '/tmp/evil.so', token: 't', keyLabel: 'k' };
    const refused = [
      await bridge.call(1, 'sshCa.addToken', { name: 'ca', ...token, pin: '1234' }),
      await bridge.call(1, 'audit.identityReplace', { pkcs11: token, pin: '1234' }),
      await bridge.call(1, 'sshCa.import', { name: 'ca', keyFile: '/home/x/.ssh/id_ed25519' }),
      await bridge.call(1, 'sshCa.krl', { outPath: '/etc/cron.d/x' }),
    ];
    for (const r of refused) assert.equal(!r.ok && r.error.code, 'INVALID_INPUT');
    assert.equal(calls.length, 0, 'none reached the core');
    bridge.grantPath(1, '/tmp/evil.so');
    assert.equal((await bridge.call(1, 'audit.identityReplace', { pkcs11: token, pin: '1234' })).ok, true, 'picked: passed on');
    assert.equal((await bridge.call(1, 'sshCa.krl', {})).ok, true, 'no path: nothing to check');
  });

  it('stops subscriptions on unsubscribe, on reload, and when unsubscribed before the core answered', async () => {
    const { link, stops } = recordingLink();
    const bridge = new SessionBridge<number>(link);
    assert.deepEqual(await bridge.subscribe(1, 10, 'audit.events', {}, () => undefined), { ok: true, value: null });
    assert.equal((await bridge.subscribe(1, 10, 'audit.events', {}, () => undefined)).ok, false, 'ids are unique per window');
    bridge.unsubscribe(1, 10);
    assert.deepEqual(stops, ['audit.events']);

    const pending = bridge.subscribe(1, 11, 'audit.events', {}, () => undefined);
    bridge.unsubscribe(1, 11);
    await pending;
    assert.equal(stops.length, 2);

    await bridge.subscribe(1, 12, 'audit.events', {}, () => undefined);
    bridge.dropSubscriptions(1);
    assert.equal(stops.length, 3);
    assert.equal((await bridge.subscribe(1, 13, 'no.such.topic', {}, () => undefined)).ok, false);
  });
});

describe('main <-> core host protocol', () => {
  const home = mkdtempSync(join(tmpdir(), 'airgap-host-'));
  const core = new Core({ home, scryptCost: { N: 2 ** 14, r: 8, p: 1 } });
  after(async () => {
    await core.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** Two ends of an in-memory port, delivering asynchronously like a MessagePort. */
  function connect(): PortLink {
    let hostListener: ((e: { data: unknown }) => void) | null = null;
    const link = new PortLink((request: HostRequest) => setImmediate(() => hostListener?.({ data: structuredClone(request) })));
    const port: HostPort = {
      postMessage: (reply: HostReply) => setImmediate(() => link.receive(structuredClone(reply))),
      on: (_event, listener) => (hostListener = listener),
    };
    // The host starts late: requests made before "ready" are queued, not lost.
    setTimeout(() => serveCore(directLink(core), port), 20);
    return link;
  }

  it('calls, subscribes and unsubscribes through the real handler table', async () => {
    const link = connect();
    const status = await link.call(null, 'system.status', {});
    assert.deepEqual(status.ok && status.value, { initialised: false, version: '0.1.0', home });
    const init = await link.call(null, 'system.init', { adminName: 'alice', password: 'correct horse battery' });
    assert.equal(init.ok, true);
    const signIn = await link.call(null, 'auth.signIn', { name: 'alice', password: 'correct horse battery' });
    assert.ok(signIn.ok);
    const sessionId = (signIn.value as { sessionId: string }).sessionId;

    const events: Array<{ action: string }> = [];
    const sub = await link.subscribe(sessionId, 'audit.events', {}, (e) => events.push(e as { action: string }));
    assert.ok(sub.ok);
    await link.call(sessionId, 'settings.set', { key: 'site.name', value: 'North' });
    for (let i = 0; i < 50 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      events.map((e) => e.action),
      ['settings.set'],
    );

    sub.value();
    await link.call(sessionId, 'settings.set', { key: 'site.name', value: 'South' });
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(events.length, 1, 'no events after unsubscribe');

    const refused = await link.subscribe(null, 'audit.events', {}, () => undefined);
    assert.equal(!refused.ok && refused.error.code, 'UNAUTHENTICATED');
  });

  it('fails open requests with a clear message when the core process dies', async () => {
    const link = new PortLink(() => undefined);
    const pending = link.call(null, 'system.status', {});
    link.fail();
    const result = await pending;
    assert.equal(!result.ok && result.error.code, 'INTERNAL');
    assert.match(!result.ok ? result.error.message : '', /restarted/);
  });
});
