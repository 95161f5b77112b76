/** The IPC bridge with Electron faked: the sender check gates every channel; dialogs grant paths. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { installIpcBridge } from '../../../main/ipc';
import { CHANNELS } from '../../../main/desktop-api';
import { SessionBridge, type CoreLink } from '../../../main/session-bridge';
import { IdpSignIns } from '../../../main/idp-sign-in';
import type { Result } from '../../../src/kernel';
import { FakeBrowserWindow, fakeElectron } from './fake-electron';

type Window = Parameters<typeof installIpcBridge>[1];

function setup() {
  const { electron, record } = fakeElectron();
  const calls: Array<{ sessionId: string | null; name: string; input: unknown }> = [];
  const link: CoreLink = {
    call: async (sessionId, name, input) => {
      calls.push({ sessionId, name, input });
      return name === 'auth.signIn'
        ? { ok: true, value: { sessionId: 'secret-session', user: {}, permissions: [] } }
        : { ok: true, value: { ok: true } };
    },
    subscribe: async () => ({ ok: true, value: () => undefined }),
  };
  const window = new FakeBrowserWindow({});
  installIpcBridge(electron, window as unknown as Window, new SessionBridge<number>(link));
  const trusted = { sender: window.webContents, senderFrame: { ...window.webContents.mainFrame } };
  const foreign = { sender: window.webContents, senderFrame: { ...window.webContents.mainFrame, routingId: 99 } };
  const invoke = async (channel: string, event: unknown, ...args: unknown[]) =>
    (await record.ipcHandlers.get(channel)!(event, ...args)) as Result<unknown> | string | null;
  return { record, calls, trusted, foreign, invoke };
}

describe('IPC bridge', () => {
  it('installs one handler per channel, and nothing else', () => {
    const { record } = setup();
    assert.deepEqual(
      [...record.ipcHandlers.keys()].sort(),
      [
        CHANNELS.call,
        CHANNELS.chooseFile,
        CHANNELS.chooseSaveFile,
        CHANNELS.copyText,
        CHANNELS.idpSignIn,
        CHANNELS.subscribe,
        CHANNELS.unsubscribe,
        CHANNELS.serviceState,
        CHANNELS.unsealService,
      ].sort(),
    );
  });

  it('without a service: no state, and unseal says there is none; a foreign frame is refused', async () => {
    const { trusted, foreign, invoke } = setup();
    assert.equal(await invoke(CHANNELS.serviceState, trusted), null);
    assert.equal(
      ((await invoke(CHANNELS.unsealService, trusted, { name: 'a', password: 'b' })) as { error: { code: string } }).error.code,
      'NOT_FOUND',
    );
    assert.equal(
      ((await invoke(CHANNELS.unsealService, foreign, { name: 'a', password: 'b' })) as { error: { code: string } }).error.code,
      'FORBIDDEN',
    );
  });

  it('opens the IdP window for our main frame only; the page names only its attempt, the core the URL', async () => {
    const { electron, record } = fakeElectron();
    const window = new FakeBrowserWindow({});
    const opened: string[] = [];
    const link: CoreLink = {
      call: async (_sessionId, name) =>
        name === 'auth.idp.begin'
          ? { ok: true, value: { url: 'http://127.0.0.1:1/sso', acsUrl: 'http://127.0.0.1:2/saml/acs', idpName: 'IdP', waitSeconds: 60 } }
          : { ok: true, value: { ok: true } },
      subscribe: async () => ({ ok: true, value: () => undefined }),
    };
    const bridge = new SessionBridge<number>(link);
    const idp = new IdpSignIns(bridge, async (url) => (opened.push(url), { kind: 'closed' }));
    installIpcBridge(electron, window as unknown as Window, bridge, idp);
    const trusted = { sender: window.webContents, senderFrame: { ...window.webContents.mainFrame } };
    const foreign = { sender: window.webContents, senderFrame: { ...window.webContents.mainFrame, url: 'http://127.0.0.1:1/sso' } };
    const handle = record.ipcHandlers.get(CHANNELS.idpSignIn)!;
    const refused = (await handle(foreign, 'attempt-1')) as Result<unknown>;
    assert.equal(!refused.ok && refused.error.code, 'FORBIDDEN');
    assert.deepEqual(opened, []);
    const closed = (await handle(trusted, 'attempt-1')) as Result<unknown>;
    assert.equal(!closed.ok && closed.error.code, 'UNAUTHENTICATED');
    assert.deepEqual(opened, ['http://127.0.0.1:1/sso']);
  });

  it('writes text to the clipboard for our main frame only, and only text', async () => {
    const { record, trusted, foreign, invoke } = setup();
    assert.equal(await invoke(CHANNELS.copyText, foreign, 'sha256:abc'), false);
    assert.equal(await invoke(CHANNELS.copyText, trusted, { text: 'not a string' }), false);
    assert.deepEqual(record.clipboard, []);
    assert.equal(await invoke(CHANNELS.copyText, trusted, 'sha256:abc'), true);
    assert.deepEqual(record.clipboard, ['sha256:abc']);
  });

  it('refuses a call from anything but our main frame before it reaches the core', async () => {
    const { calls, foreign, invoke } = setup();
    const result = await invoke(CHANNELS.call, foreign, 'system.status', {});
    assert.deepEqual(result, { ok: false, error: { code: 'FORBIDDEN', message: 'Only the Airgap Runner window may use the API.' } });
    assert.equal(await invoke(CHANNELS.chooseSaveFile, foreign, {}), null);
    assert.equal(calls.length, 0);
  });

  it('keeps the session id in main: sign-in returns none, later calls carry it', async () => {
    const { calls, trusted, invoke } = setup();
    const signedIn = await invoke(CHANNELS.call, trusted, 'auth.signIn', { name: 'alice', password: 'x' });
    assert.deepEqual(signedIn, { ok: true, value: { user: {}, permissions: [] } });
    await invoke(CHANNELS.call, trusted, 'users.list', {});
    assert.equal(calls.at(-1)!.sessionId, 'secret-session');
  });

  it('grants a path only after the user picked it in the native dialog', async () => {
    const { record, calls, trusted, invoke } = setup();
    const refused = (await invoke(CHANNELS.call, trusted, 'store.backup', { outPath: '/media/usb/backup.arb' })) as Result<unknown>;
    assert.equal(refused.ok, false);
    assert.equal(calls.length, 0);

    assert.equal(await invoke(CHANNELS.chooseSaveFile, trusted, { defaultName: '../../etc/passwd' }), null, 'a name, not a path');
    record.dialogAnswer = '/media/usb/backup.arb';
    assert.equal(await invoke(CHANNELS.chooseSaveFile, trusted, { title: 'Save', defaultName: 'backup.arb' }), '/media/usb/backup.arb');
    const saved = record.dialogs.at(-1)!;
    assert.equal(saved.kind, 'save');
    assert.deepEqual((saved.options as { properties: string[] }).properties, [
      'createDirectory',
      'showOverwriteConfirmation',
      'dontAddToRecent',
    ]);
    const allowed = (await invoke(CHANNELS.call, trusted, 'store.backup', { outPath: '/media/usb/backup.arb' })) as Result<unknown>;
    assert.equal(allowed.ok, true);
  });
});
