/**
 * Static guard over the browser suites: tests find things the way an operator does (role, label,
 * text), so no locator names a CSS class or id; page objects are one class per file, each a BasePage.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './build-renderer';

const E2E = join(ROOT, 'test', 'e2e');
const PAGES = join(E2E, 'pages');
/** A selector string given to Playwright or the DOM. */
const SELECTOR_CALL = /\b(?:locator|querySelector|querySelectorAll|waitForSelector|\$\$?|\$eval|\$\$eval)\(\s*(['"`])((?:(?!\1).)*)\1/g;
/** What in a selector names a class or an id: `.name`, `#name`, `[class…]`, `[id…]`. */
const CLASS_OR_ID = /[.#][A-Za-z_-]|\[\s*(class|id)\b/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

describe('e2e page objects', () => {
  it('no locator in test/e2e names a CSS class or id', () => {
    const hits: string[] = [];
    for (const file of sources(E2E)) {
      if (file === join(E2E, 'page-objects.test.ts')) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(SELECTOR_CALL)) {
        if (CLASS_OR_ID.test(m[2]!)) hits.push(`${relative(ROOT, file)}: ${m[0]}`);
      }
    }
    assert.deepEqual(hits, []);
  });

  it('the guard itself catches class and id selectors', () => {
    const caught = (code: string) => [...code.matchAll(SELECTOR_CALL)].some((m) => CLASS_OR_ID.test(m[2]!));
    for (const bad of [
      `page.locator('.brand-site')`,
      `log.locator('.ansi-bold.ansi-fg-2', { hasText })`,
      `page.locator('#content')`,
      `t.locator('tbody tr td.x')`,
      `page.locator('[class*=chip]')`,
      `document.querySelector('aside .nav')`,
    ]) {
      assert.ok(caught(bad), bad);
    }
    for (const fine of [`main.locator('script, img, b')`, `main.locator('a[href^="javascript:"], [onerror]')`, `result.locator('mark')`])
      assert.ok(!caught(fine), fine);
  });

  it('pages/ holds one page object per file, each a BasePage', () => {
    const wrong: string[] = [];
    for (const file of readdirSync(PAGES).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
      const text = readFileSync(join(PAGES, file), 'utf8');
      const classes = [...text.matchAll(/^export (?:abstract )?class (\w+)(?: extends (\w+))?/gm)];
      if (classes.length !== 1) wrong.push(`${file}: ${classes.length} classes`);
      else if (file !== 'base-page.ts' && classes[0]![2] !== 'BasePage') wrong.push(`${file}: ${classes[0]![1]} does not extend BasePage`);
      if (!readFileSync(join(PAGES, 'index.ts'), 'utf8').includes(`from './${file.replace(/\.ts$/, '')}'`))
        wrong.push(`${file}: not exported from pages/index.ts`);
    }
    assert.deepEqual(wrong, []);
  });
});
