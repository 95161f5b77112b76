/**
 * What the ux-runs suites share: the admin and the operator, and the keyboard and API steps both
 * take (Tab to a control by its name; trust the sample key and add the operator).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './build-renderer';

export const ADMIN = { name: 'ines', password: 'ines signs for the site' };
export const OP = { name: 'anna', first: 'first-password-anna', password: 'anna starts the change' };
const PUB = readFileSync(join(ROOT, 'samples', 'keys', 'cosign.pub'), 'utf8');

/** The accessible name of the focused control, roughly: its aria-label, its label, or its text. */
export async function focusedName(page: Page): Promise<string> {
  return await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return '';
    const labels = (el as HTMLInputElement).labels;
    return (el.getAttribute('aria-label') ?? (labels && labels[0] ? labels[0].textContent : el.textContent) ?? '').trim();
  });
}

/** Presses Tab until the control named `name` has focus: the keyboard-only way to reach it. */
export async function tabToControl(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    if ((await focusedName(page)) === name) return;
  }
  throw new Error(`Tab never reached "${name}"`);
}

/** The admin trusts the sample signing key and adds the operator (first password), through the API. */
export async function trustSampleKeyAndAddOperator(admin: Page): Promise<void> {
  const failed = await admin.evaluate(
    async ([pub, op]) => {
      const api = window.api!;
      const out: Array<{ ok: boolean }> = [
        await api.call('trust.addKey', { pem: pub, comment: 'sample key' }),
        await api.call('users.add', { name: op.name, password: op.first, roles: ['operator'] }),
      ];
      return out.filter((r) => !r.ok).map((r) => JSON.stringify(r));
    },
    [PUB, OP] as const,
  );
  assert.deepEqual(failed, []);
}
