/**
 * Static guards beside the browser suite. The renderer has no HTML sinks and no eval, so text from
 * the core or from tasks can only ever be shown as text (the CSP's Trusted Types would block them at
 * run time too; this names the file and line at review time). Its imports run one way: the app
 * (App, Shell, routes) over the features over the shared pieces (api, components, log, navigation),
 * with no cycle, a feature's face (index.ts) the only way into it, and src/ reached through one file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './build-renderer';

const SINKS = /dangerouslySetInnerHTML|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(|srcdoc/;
const RENDERER = join(ROOT, 'renderer', 'src');
/** The one renderer file that imports from src/ (the contract's types, and its schemas as data). */
const GATEWAY = 'api/contract.ts';
/** The top of the renderer: only these may import the route table and the shell. */
const APP = new Set(['main.tsx', 'App.tsx', 'Shell.tsx', 'routes.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

interface Import {
  from: string;
  /** The renderer file it names (relative to renderer/src), or the path outside it. */
  target: string;
  typeOnly: boolean;
  names: string;
}

/** Every `import … from` / `export … from` of a file, resolved. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)'/gm)) {
    const spec = m[3]!;
    if (!spec.startsWith('.')) continue;
    const base = resolve(dirname(file), spec);
    const found =
      ['', '.ts', '.tsx', '/index.ts', '/index.tsx'].map((ext) => base + ext).find((p) => existsSync(p) && statSync(p).isFile()) ?? base;
    const names = m[2]!.trim();
    const typeOnly =
      Boolean(m[1]) ||
      (/^\{[^}]*\}$/.test(names) &&
        names
          .slice(1, -1)
          .split(',')
          .every((n) => !n.trim() || n.trim().startsWith('type ')));
    out.push({
      from: relative(RENDERER, file),
      target: found.startsWith(RENDERER) ? relative(RENDERER, found) : relative(ROOT, found),
      typeOnly,
      names,
    });
  }
  return out;
}

const files = sources(RENDERER);
const graph = new Map(files.map((f) => [relative(RENDERER, f), importsOf(f)]));
const inRenderer = (i: Import) => !i.target.startsWith('..') && graph.has(i.target);

describe('renderer source', () => {
  it('has no HTML sink and no eval', () => {
    const hits: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (SINKS.test(line)) hits.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(hits, []);
  });

  it('reaches src/ through api/contract.ts only, and main/ for types only', () => {
    const outside = [...graph.values()].flat().filter((i) => !inRenderer(i));
    const wrong = outside.filter((i) => (i.target.startsWith('src/') ? i.from !== GATEWAY : !(i.target.startsWith('main/') && i.typeOnly)));
    assert.deepEqual(
      wrong.map((i) => `${i.from} imports ${i.target}`),
      [],
    );
    // The gateway's values are the contract's schemas, its run state/outcome lists (pure data) and the
    // pure checks of the sign-in's TOTP challenge and of its refusals; everything else it passes on is a type.
    const values = outside.filter((i) => i.from === GATEWAY && !i.typeOnly).map((i) => `${i.names} from ${i.target}`);
    assert.deepEqual(values, ['{ contract, RUN_STATES, RUN_OUTCOMES, isTotpChallenge, signInRefusal } from src/api/contract/index.ts']);
  });

  it('has no import cycle (type-only imports aside)', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const walk = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') return void cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      state.set(file, 'open');
      for (const i of graph.get(file) ?? []) if (inRenderer(i) && !i.typeOnly) walk(i.target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) walk(file, []);
    assert.deepEqual(cycles, []);
  });

  it('layers: features enter each other by their index.ts; shared pieces import no feature; only the app imports the routes', () => {
    const wrong: string[] = [];
    const featureOf = (path: string) => /^features\/([^/]+)\//.exec(path)?.[1];
    for (const [from, imports] of graph) {
      for (const i of imports.filter(inRenderer)) {
        const [a, b] = [featureOf(from), featureOf(i.target)];
        if (APP.has(i.target) && !APP.has(from)) wrong.push(`${from} imports ${i.target}: screens learn where they are from navigation.ts`);
        if (b && !a && !APP.has(from)) wrong.push(`${from} imports ${i.target}: a shared piece depends on a feature`);
        if (b && a !== b && i.target !== `features/${b}/index.ts`)
          wrong.push(`${from} imports ${i.target}: go through features/${b}/index.ts`);
      }
    }
    assert.deepEqual(wrong, []);
    // Every feature has its face.
    for (const feature of readdirSync(join(RENDERER, 'features')))
      assert.ok(graph.has(`features/${feature}/index.ts`), `features/${feature}/index.ts`);
  });
});
