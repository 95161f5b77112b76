/** Debian's Chromium driven by playwright-core: never a downloaded browser. */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Harness } from './harness';
import { ROOT } from './build-renderer';

export const CHROMIUM = process.env.AIRGAP_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The window size: 1280x820 unless AIRGAP_E2E_VIEWPORT says otherwise (e.g. `1024x768`, `1920x1080`),
 * to look at the screens at the sizes a workstation has; those screenshots go to a folder of that size.
 */
export const VIEWPORT = viewport(process.env.AIRGAP_E2E_VIEWPORT);
export const SCREENSHOTS = join(
  ROOT,
  'test-results',
  'screenshots',
  ...(process.env.AIRGAP_E2E_VIEWPORT ? [`${VIEWPORT.width}x${VIEWPORT.height}`] : []),
);

function viewport(spec: string | undefined): { width: number; height: number } {
  if (!spec) return { width: 1280, height: 820 };
  const m = /^(\d{3,4})x(\d{3,4})$/.exec(spec.trim());
  if (!m) throw new Error(`AIRGAP_E2E_VIEWPORT=${spec}: give the size as WIDTHxHEIGHT, e.g. 1024x768`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Debian's Chromium; `executablePath` for a launcher that wraps it (the air-gap check's strace), `args` added. */
export async function launchBrowser(options: { executablePath?: string; args?: string[] } = {}): Promise<Browser> {
  return await chromium.launch({
    executablePath: options.executablePath ?? CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(options.args ?? []),
    ],
  });
}

/** A fresh browser context is a fresh window: its own page, its own session in the harness. */
export async function openApp(
  browser: Browser,
  harness: Harness,
  viewport: { width: number; height: number } = VIEWPORT,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, colorScheme: 'light', reducedMotion: 'reduce' });
  context.setDefaultTimeout(15_000);
  await context.addInitScript(harness.initScript);
  const page = await context.newPage();
  // Console errors include CSP and Trusted Types violations: a test fails on any of them.
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(harness.url);
  await harness.bindWindow(page);
  return { context, page, errors };
}

/**
 * Saves the current screen twice, in the light and the dark theme (theme preference "System").
 * Modals are shot as the window shows them (their backdrop covers the window, not the page).
 */
export async function shoot(
  page: Page,
  name: string,
  { fullPage = true, sized = false, folder: given }: { fullPage?: boolean; sized?: boolean; folder?: string } = {},
): Promise<void> {
  // `sized`: a suite that sets the window size itself files the shot under that size (1024x768/…).
  const size = page.viewportSize();
  const folder = given ?? (sized && size ? join(ROOT, 'test-results', 'screenshots', `${size.width}x${size.height}`) : SCREENSHOTS);
  mkdirSync(folder, { recursive: true });
  // From the top: a full-page capture of a scrolled page draws the sticky bars mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(folder, `${name}-${scheme}.png`), fullPage, animations: 'disabled' });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The two window sizes every screen is checked at (docs/ui.md). */
export const SIZES = [
  { width: 1024, height: 768 },
  { width: 1920, height: 1080 },
] as const;

/** `shoot` at 1024x768 and 1920x1080 (filed under each size), leaving the window at 1024x768. */
export async function shootSizes(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await shoot(page, name, { ...options, sized: true });
  }
  await page.setViewportSize(SIZES[0]);
}
