/**
 * main/notify.ts with Electron's Notification faked at the module boundary: the Electron binary is
 * not installed here, so no real desktop notification is shown by this test (the decision of what
 * to show is tested through the contract in test/integration/runner/attention.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { showNotice, type NotifyDeps } from '../../../main/notify';

type NoticeWindow = Parameters<typeof showNotice>[1];

class FakeNotification {
  static supported = true;
  static shown: FakeNotification[] = [];
  readonly handlers = new Map<string, () => void>();
  constructor(readonly options: { title: string; body: string }) {}
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  on(event: string, handler: () => void): this {
    this.handlers.set(event, handler);
    return this;
  }
  show(): void {
    FakeNotification.shown.push(this);
  }
}

function fakeWindow() {
  const calls: string[] = [];
  const window = {
    isDestroyed: () => false,
    isMinimized: () => true,
    restore: () => void calls.push('restore'),
    focus: () => void calls.push('focus'),
  };
  return { window: window as unknown as NoticeWindow, calls };
}

const deps = { Notification: FakeNotification } as unknown as NotifyDeps;
const notice = { kind: 'run-ended', runId: 'r-1', title: 'Check disk usage succeeded', body: 'host-health 1.0.0' } as const;

describe('showNotice (Electron faked: the binary is not installed here)', () => {
  it('shows the title and body the core chose; a click brings the window back', () => {
    FakeNotification.shown = [];
    const { window, calls } = fakeWindow();
    showNotice(deps, window, notice);
    assert.equal(FakeNotification.shown.length, 1);
    assert.deepEqual(
      { title: FakeNotification.shown[0]!.options.title, body: FakeNotification.shown[0]!.options.body },
      { title: notice.title, body: notice.body },
    );
    FakeNotification.shown[0]!.handlers.get('click')!();
    assert.deepEqual(calls, ['restore', 'focus']);
  });

  it('shows nothing where the desktop has no notifications', () => {
    FakeNotification.shown = [];
    FakeNotification.supported = false;
    showNotice(deps, fakeWindow().window, notice);
    FakeNotification.supported = true;
    assert.equal(FakeNotification.shown.length, 0);
  });
});
