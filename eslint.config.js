// Lint rules that keep the layers of ARCHITECTURE.md honest: the layer table below is the one
// source of the import rules of src/ (one no-restricted-imports block per folder, generated), no
// electron outside main/, no Node in renderer/, and every promise awaited. Core ESLint rules only:
// every dev package is one more thing a site must vet. There is no ignore list; do not add one.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, bottom first (docs/architecture.md). Each folder may import only the folders
 * it lists, all of them earlier in this table; from outside a folder, only its face (index.ts) or
 * its pure face (model.ts, where there is one) may be imported.
 */
export const LAYERS = [
  { folder: 'kernel', imports: [], role: 'errors, clock, bus, canonical JSON, settings primitives, CoreContext' },
  { folder: 'store', imports: ['kernel'], role: 'the encrypted SQLite file, keyslots, migrations, backup, settings table' },
  { folder: 'engine', imports: ['kernel'], role: 'the container engine port and its dockerode implementation' },
  { folder: 'oci', imports: ['kernel'], role: 'OCI media types, digests, strict tar, layout, image builder' },
  { folder: 'trust', imports: ['kernel', 'oci'], role: 'signature verification and trust roots, pure over bytes' },
  { folder: 'mirror', imports: ['kernel', 'oci'], role: 'mirror sources: registry, OCI layout, tar archive' },
  { folder: 'identity', imports: ['kernel', 'store'], role: 'users, roles, sessions, opening the store, sign-in' },
  { folder: 'vault', imports: ['kernel', 'store'], role: 'secrets under the vault key, per-run mounts' },
  { folder: 'audit', imports: ['kernel', 'store'], role: 'the hash chain, signing identity, export bundles, verifier' },
  { folder: 'redact', imports: ['kernel'], role: 'the redaction engine, pure over text' },
  {
    folder: 'nodes',
    imports: ['kernel', 'store', 'engine', 'oci', 'vault'],
    role: 'remote engines: enrolment, pinned identities, image sending, per-run tmpfs volumes',
  },
  {
    folder: 'bundles',
    imports: ['kernel', 'store', 'engine', 'oci', 'trust', 'mirror'],
    role: 'CodeBundle format, catalog, tag policy, the import',
  },
  {
    folder: 'runner',
    imports: ['kernel', 'store', 'engine', 'vault', 'redact', 'nodes', 'bundles'],
    role: 'run lifecycle: lease, queue, hardening, logs, recovery, retention',
  },
  {
    folder: 'egress',
    imports: ['kernel', 'store', 'vault', 'audit', 'redact', 'bundles', 'runner'],
    role: 'what leaves: store-backed redactors, run reports, audit rule sets',
  },
  { folder: 'llm', imports: ['kernel', 'store', 'vault', 'redact', 'runner'], role: 'summaries through the site LLM endpoint' },
  {
    folder: 'api',
    imports: [
      'kernel',
      'store',
      'engine',
      'oci',
      'trust',
      'mirror',
      'identity',
      'vault',
      'audit',
      'redact',
      'nodes',
      'bundles',
      'runner',
      'egress',
      'llm',
    ],
    role: 'the contract, handler table, dispatcher; core.ts, the composition root',
  },
  { folder: 'service', imports: ['kernel', 'api'], role: 'the always-on core: socket server, peer checks, seal and unseal' },
  { folder: 'cli', imports: ['kernel', 'api', 'service'], role: 'the airgap-runner command, over src/api (or a running service)' },
];

/** The contract runs where the core does not (renderer, Electron main): it may import only pure faces. */
const CONTRACT_IMPORTS = ['kernel'];

const FOLDERS = LAYERS.map((l) => l.folder);
const ELECTRON = { name: 'electron', message: 'Only main/ may import electron (ARCHITECTURE.md).' };
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// A table that lists a folder above itself, or one that does not exist, is refused here.
for (const [i, { folder, imports }] of LAYERS.entries()) {
  for (const name of imports) {
    if (!FOLDERS.slice(0, i).includes(name))
      throw new Error(`eslint.config.js: ${folder} may import only folders earlier in LAYERS, not ${name}`);
  }
}

/** The patterns of one folder: folders it may not import, and the inside of those it may. */
export function layerPatterns(folder) {
  const { imports } = LAYERS.find((l) => l.folder === folder);
  const up = '^(\\.\\./)+';
  return FOLDERS.filter((other) => other !== folder).map((other) =>
    imports.includes(other)
      ? {
          regex: `${up}${other}/(?!model$).+`,
          message: `Import ${other} through its face ("../${other}", or "../${other}/model" for its pure data): what is inside a folder is its own business.`,
        }
      : {
          regex: `${up}${other}(/.*)?$`,
          message: `src/${folder} may not import src/${other}: dependencies point one way (the LAYERS table in eslint.config.js, docs/architecture.md).`,
        },
  );
}

function contractPatterns() {
  return FOLDERS.filter((other) => !CONTRACT_IMPORTS.includes(other) && other !== 'api').map((other) => ({
    regex: `^\\.\\./\\.\\./${other}$`,
    message: `The contract is bundled into the renderer and Electron main without the core: import ${other}'s pure face ("../../${other}/model"), not its index.`,
  }));
}

const layerBlocks = [
  ...LAYERS.map(({ folder }) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { paths: [ELECTRON], patterns: layerPatterns(folder) }] },
  })),
  {
    files: ['src/api/contract/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [ELECTRON], patterns: [...layerPatterns('api'), ...contractPatterns()] }] },
  },
];

const nodeBuiltins = [
  'fs',
  'path',
  'child_process',
  'crypto',
  'os',
  'net',
  'http',
  'https',
  'stream',
  'worker_threads',
  'url',
  'util',
  'zlib',
  'events',
  'tls',
  'dns',
  'readline',
];

/** What outside src/ may import of it: main/ the core's face, the contract and the kernel; the renderer only the contract. */
const srcOnly = (allowed, message) => ({ regex: `^(\\.\\./)+src/(?!(${allowed.map(escape).join('|')})$)`, message });

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      'renderer/dist/**',
      'scratch/**',
      'test-results/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/return-await': ['error', 'always'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/only-throw-error': 'error',
    },
  },
  {
    // Tests, benches, samples and scripts may reach into any module (unit tests test internals),
    // but like the core they run under plain Node, never Electron.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'samples/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [ELECTRON] }] },
  },
  ...layerBlocks,
  {
    // main/ runs the core through its face; its own processes bundle only the contract and the kernel.
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [srcOnly(['api', 'api/contract', 'kernel'], 'main/ imports src/api (the core), src/api/contract and src/kernel only.')],
        },
      ],
    },
  },
  {
    // The renderer knows nothing of Node and nothing of the core: window.api, typed and validated
    // by src/api/contract, which is pure data (test/unit/lint/contract-pure.test.ts).
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer talks only to window.api.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer has no Node.' })),
          ],
          patterns: [
            { group: ['node:*'], message: 'The renderer has no Node.' },
            { group: ['better-sqlite3*', 'dockerode', 'node-forge'], message: 'The renderer has no Node.' },
            srcOnly(['api/contract'], 'The renderer imports only src/api/contract (its types and schemas), never the core.'),
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
    },
  },
);
