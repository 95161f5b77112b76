/**
 * The start the admin-screen suites share: the harness over a fresh store, Chromium, and one window
 * at 1024x768 taken through the first run as the admin (recovery key stored, on the Dashboard).
 * `close` ends them in the other order; a start that fails part way closes what it had opened.
 */
import type { Browser } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, openApp, SIZES } from './browser';
import { closeRunningHarness, completeFirstRun } from './windows';

/** A window of the app, as openApp gives it. */
export type AppWindow = Awaited<ReturnType<typeof openApp>>;

export interface AdminSuite {
  harness: Harness;
  browser: Browser;
  /** The admin's window, on the Dashboard. */
  admin: AppWindow;
  close(): Promise<void>;
}

export async function startAdminSuite(
  admin: { name: string; password: string },
  /** `removeImages`: the suite imported bundles; stop the runner and remove their images when it closes. */
  options: { removeImages?: boolean } = {},
): Promise<AdminSuite> {
  let harness: Harness | undefined;
  let browser: Browser | undefined;
  let window: AppWindow | undefined;
  const close = async () => {
    await window?.context.close();
    await browser?.close();
    if (options.removeImages) await closeRunningHarness(harness, true);
    else await harness?.close();
  };
  try {
    harness = await startHarness();
    browser = await launchBrowser();
    window = await openApp(browser, harness, SIZES[0]);
    await completeFirstRun(window.page, admin);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { harness, browser, admin: window, close };
}
