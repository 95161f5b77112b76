/**
 * Issue 15's walk of every screen, in Debian's Chromium, signed in as an admin and as an operator, at
 * 1024x768 and 1920x1080, light and dark: on each screen the navigation offers, the screen's title and
 * the header's engine status are shown, the page does not scroll sideways (a wide table scrolls in its
 * own box), and the text on screen holds no jargon: no setting keys, no quoted CLI command lines, no
 * raw action names, no camelCase keys, no process ids. Help is left out of the jargon check: it shows
 * the project's docs, which name commands on purpose. Shots: test-results/screenshots/<size>/walk-*.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from './harness';
import { launchBrowser, shoot, SIZES } from './browser';
import { shown, Windows } from './windows';
import { ALL_SCREENS, ShellPage, type ScreenName } from './pages';
import { insertBundle } from '../../src/bundles/catalog';
import { sampleBundle } from '../helpers/bundles';

const ADMIN = { name: 'walter', password: 'walter walks every screen' };
const OPERATOR = { name: 'olga', first: 'first-password-olga', password: 'olga walks them as an operator' };

const HEADINGS: Partial<Record<ScreenName, string>> = { Import: 'Import from a mirror' };

/** What must not be on a screen, each with why. */
const JARGON: ReadonlyArray<[RegExp, string]> = [
  [/\b(site|session|audit|bundles|engine|mirror|runner|redact|llm|retention)\.[a-z]+[A-Z][A-Za-z]*\b/, 'a setting key'],
  [/`[a-z][a-z-]* [a-z-]+/, 'a quoted command line'],
  [/\bairgap-runner [a-z]/, 'a CLI command line'],
  [/\b[a-z]+\.(add|remove|list|show|start|bind|unbind|allow|deny|clear|set|signIn|import|export)\b/, 'a raw operation name'],
  [/\bpid \d+/, 'a process id'],
  [/\b[a-z]+[A-Z][a-z]+[A-Z]?[a-z]*:/, 'a camelCase key'],
  [/\b(keyslots?|rootful|MAC verified)\b/i, 'a store or engine term'],
];

describe('every screen, admin and operator, both sizes, light and dark', { timeout: 600_000 }, () => {
  let harness: Harness;
  let browser: Browser;
  const windows = new Windows(() => ({ browser, harness }));
  const pages: Record<'admin' | 'operator', Page | undefined> = { admin: undefined, operator: undefined };

  before(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    const admin = await windows.setup(ADMIN);
    insertBundle(harness.core.store.db, sampleBundle('host-health', 'c'));
    insertBundle(harness.core.store.db, sampleBundle('service-restart', 'e'));
    pages.admin = admin;
    pages.operator = await windows.trustSampleAndSignInOperator(admin, OPERATOR);
  });

  after(async () => {
    await windows.closeAll();
    await browser?.close();
    await harness?.close();
  });

  for (const role of ['admin', 'operator'] as const) {
    for (const size of SIZES) {
      it(`${role} at ${size.width}x${size.height}: each screen shows its title and the engine, fits sideways, and speaks in words`, async () => {
        const page = pages[role]!;
        await page.setViewportSize(size);
        const shell = new ShellPage(page);
        const screens = (await shell.visibleScreens()) as ScreenName[];
        assert.ok(
          screens.every((s) => (ALL_SCREENS as readonly string[]).includes(s)),
          `known screens: ${screens.join(', ')}`,
        );
        if (role === 'operator')
          assert.ok(!screens.includes('Settings') && screens.includes('Catalog'), 'the operator sees an operator’s screens');
        const problems: string[] = [];
        for (const screen of screens) {
          await shell.open(screen, HEADINGS[screen] ?? screen);
          await shown(shell.engine);
          // Let the screen's first answers arrive (the tables leave "Loading…").
          await page
            .waitForFunction(() => !document.querySelector('[aria-busy="true"]'), undefined, { timeout: 10_000 })
            .catch(() => undefined);
          const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          if (sideways > 1) problems.push(`${screen}: the page scrolls sideways by ${sideways} px`);
          if (screen !== 'Help') {
            const text = await page.getByRole('main').innerText();
            for (const [pattern, what] of JARGON) {
              const hit = pattern.exec(text);
              if (hit) problems.push(`${screen}: ${what} on screen: "${text.slice(Math.max(0, hit.index - 40), hit.index + 60)}"`);
            }
          }
          await shoot(page, `walk-${role}-${screen.toLowerCase().replace(/[^a-z]+/g, '-')}`, { sized: true });
        }
        assert.deepEqual(problems, []);
      });
    }
  }
});
