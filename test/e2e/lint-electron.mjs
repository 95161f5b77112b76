#!/usr/bin/env node
// Static checks of the Electron shell with @doyensec/electronegativity, over main/ and renderer/.
// Fails on any HIGH-severity finding that docs/desktop.md does not explain ("Electronegativity
// findings" table: check id, folder, file or "-", why). Prints every finding, explained or not.
// Usage: npm run lint:electron   (node test/e2e/lint-electron.mjs)
// The one check that looks up Electron's release list online (AvailableSecurityFixesGlobalCheck)
// is excluded: this machine, and the sites we ship to, have no internet, and nothing may try.
// Electron upgrades are tracked on the connected build machine instead (docs/desktop.md).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = require('@doyensec/electronegativity/dist/runner.js');
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const FOLDERS = ['main', 'renderer'];

/** The explained findings: rows of the table under "Electronegativity findings" in docs/desktop.md. */
function explained() {
  const doc = readFileSync(join(root, 'docs', 'desktop.md'), 'utf8');
  const section = doc.split(/^### Electronegativity findings$/m)[1]?.split(/^#{2,3} /m)[0] ?? '';
  const rows = new Set();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim().replace(/^`|`$/g, ''));
    if (cells.length >= 5 && /^[A-Z_]+$/.test(cells[1]) && cells[4]) rows.add(`${cells[1]} ${cells[2]} ${cells[3]}`);
  }
  return rows;
}

const allowed = explained();
let unexplained = 0;
for (const folder of FOLDERS) {
  const result = await run({
    input: join(root, folder),
    isSarif: false,
    isRelative: true,
    isVerbose: false,
    electronVersionOverride: electronVersion,
    parserPlugins: [],
    excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
  });
  for (const e of result.errors) console.log(`${folder}: could not parse ${e.file}: ${e.message ?? e.error ?? ''}`.trim());
  for (const issue of result.issues) {
    const file = issue.file && issue.file !== 'N/A' ? issue.file.replace(/^\/+/, '') : '-';
    const key = `${issue.id} ${folder} ${file}`;
    const high = /HIGH|CRITICAL/.test(issue.severity.name);
    const ok = allowed.has(key);
    if (high && !ok) unexplained++;
    console.log(
      `${ok ? 'explained  ' : high ? 'UNEXPLAINED' : 'note       '} ${issue.severity.name.padEnd(8)} ${issue.id} ${folder}/${file === '-' ? '' : file}${issue.location?.line ? `:${issue.location.line}` : ''}`,
    );
  }
  if (result.errors.length) unexplained += result.errors.length;
}
console.log(
  `electronegativity (Electron ${electronVersion}) over ${FOLDERS.join(', ')}: ${unexplained === 0 ? 'no unexplained high-severity finding' : `${unexplained} unexplained high-severity finding(s) or unparsed file(s); explain them in docs/desktop.md or fix them`}`,
);
process.exit(unexplained === 0 ? 0 : 1);
