/**
 * The layer rules of eslint.config.js, run through ESLint's own API on snippets that break them
 * (issue 12): each must be an error, and the imports the table allows must pass. The snippets are
 * linted as if they were files that exist, so the type-aware parser finds their program.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: join(root, 'eslint.config.js'),
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});

/** The no-restricted-imports messages for `code` linted as the file at `path`. */
async function refusals(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => `${m.severity === 2 ? 'error' : 'warning'}: ${m.message}`);
}

async function refused(path: string, code: string, why: RegExp): Promise<void> {
  const found = await refusals(path, code);
  assert.equal(found.length, 1, `${path}: ${code} -> ${JSON.stringify(found)}`);
  assert.match(found[0]!, /^error: /);
  assert.match(found[0]!, why);
}

async function allowed(path: string, code: string): Promise<void> {
  assert.deepEqual(await refusals(path, code), [], `${path}: ${code}`);
}

test('a lower layer importing a higher one is an error: store -> api, runner -> egress, kernel -> store', async () => {
  await refused(
    'src/store/settings.ts',
    "import { Core } from '../api';\nexport const core = Core;\n",
    /src\/store may not import src\/api/,
  );
  await refused(
    'src/runner/host.ts',
    "import { redactorFor } from '../egress';\nexport const r = redactorFor;\n",
    /src\/runner may not import src\/egress/,
  );
  await refused(
    'src/kernel/clock.ts',
    "import { layoutOf } from '../store';\nexport const l = layoutOf;\n",
    /src\/kernel may not import src\/store/,
  );
  // A type-only import is an import too: the dependency is the same.
  await refused(
    'src/audit/log.ts',
    "import type { Core } from '../api/core';\nexport type C = Core;\n",
    /src\/audit may not import src\/api/,
  );
  // From a subfolder, the same rule.
  await refused(
    'src/store/migrations/index.ts',
    "import { Runner } from '../../runner';\nexport const r = Runner;\n",
    /src\/store may not import src\/runner/,
  );
});

test('a narrow layer stays narrow: redact imports only the kernel, trust no mirror, cli only api', async () => {
  await refused(
    'src/redact/engine.ts',
    "import { VaultItems } from '../vault';\nexport const v = VaultItems;\n",
    /src\/redact may not import src\/vault/,
  );
  await refused(
    'src/trust/verify.ts',
    "import { openMirrorSource } from '../mirror';\nexport const o = openMirrorSource;\n",
    /src\/trust may not import src\/mirror/,
  );
  await refused(
    'src/cli/main.ts',
    "import { Runner } from '../runner';\nexport const r = Runner;\n",
    /src\/cli may not import src\/runner/,
  );
});

test('a deep import past another folder face is an error; the face and the pure face are not', async () => {
  await refused(
    'src/runner/host.ts',
    "import { findBundle } from '../bundles/catalog';\nexport const f = findBundle;\n",
    /through its face/,
  );
  await refused(
    'src/api/handlers/runs.ts',
    "import { RunRecords } from '../../runner/records';\nexport const r = RunRecords;\n",
    /through its face/,
  );
  await allowed('src/runner/host.ts', "import { findBundle } from '../bundles';\nexport const f = findBundle;\n");
  await allowed('src/api/permissions.ts', "import type { Role } from '../identity/model';\nexport type R = Role;\n");
  // Inside its own folder a module imports what it likes.
  await allowed('src/runner/host.ts', "import { RunRecords } from './records';\nexport const r = RunRecords;\n");
});

test('the contract imports only pure faces: it is bundled without the core', async () => {
  await refused('src/api/contract/schemas.ts', "import { ROLES } from '../../identity';\nexport const r = ROLES;\n", /pure face/);
  await allowed('src/api/contract/schemas.ts', "import { ROLES } from '../../identity/model';\nexport const r = ROLES;\n");
});

test('the renderer imports src/api/contract and nothing else of src/: a value import of the core or the dispatcher is an error', async () => {
  await refused(
    'renderer/src/routes.ts',
    "import { Core } from '../../src/api/core';\nexport const c = Core;\n",
    /only src\/api\/contract/,
  );
  await refused(
    'renderer/src/routes.ts',
    "import { dispatch } from '../../src/api/dispatcher';\nexport const d = dispatch;\n",
    /only src\/api\/contract/,
  );
  await refused('renderer/src/routes.ts', "import { Core } from '../../src/api';\nexport const c = Core;\n", /only src\/api\/contract/);
  await refused(
    'renderer/src/routes.ts',
    "import { RUN_STATES } from '../../src/api/contract/runs';\nexport const s = RUN_STATES;\n",
    /only src\/api\/contract/,
  );
  await allowed(
    'renderer/src/routes.ts',
    "import { contract, type OpName } from '../../src/api/contract';\nexport const c: OpName[] = Object.keys(contract) as OpName[];\n",
  );
});

test('main/ imports the core through src/api, the contract and the kernel only', async () => {
  await refused('main/core-host.ts', "import { layoutOf } from '../src/store';\nexport const l = layoutOf;\n", /main\/ imports src\/api/);
  await allowed('main/core-host.ts', "import { Core } from '../src/api';\nexport const c = Core;\n");
});

test('tests may reach into any module', async () => {
  await allowed(
    'test/unit/runner/lease.test.ts',
    "import { RunRecords } from '../../../src/runner/records';\nexport const r = RunRecords;\n",
  );
});
