/**
 * Desktop notifications: shows what the core decided (attention.notices, through the session
 * bridge) and nothing else. Clicking one brings the window to the front. Nothing here decides who
 * is told what; that is src/runner/attention.ts.
 */
import type * as ElectronNS from 'electron';
import type { Notice } from './session-bridge';

export type NotifyDeps = Pick<typeof ElectronNS, 'Notification'>;

export function showNotice(electron: NotifyDeps, window: ElectronNS.BrowserWindow, notice: Notice): void {
  if (!electron.Notification.isSupported()) return;
  const shown = new electron.Notification({ title: notice.title, body: notice.body, silent: false });
  shown.on('click', () => {
    if (window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  shown.show();
}
