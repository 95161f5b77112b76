/** electron-builder.yml pins what ships: fuses, asar, no publishing, the Linux targets. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const read = (file: string) => parse(readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;

describe('electron-builder configuration', () => {
  const config = read('electron-builder.yml');

  it('flips the fuses that close Node back doors, and loads only the integrity-checked asar', () => {
    assert.deepEqual(config.electronFuses, {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    assert.equal(config.asar, true);
    assert.equal(config.npmRebuild, true);
    // Only the native modules leave the integrity-checked archive (a shared library cannot load from it).
    assert.deepEqual(config.asarUnpack, [
      'node_modules/better-sqlite3-multiple-ciphers/**',
      'node_modules/pkcs11js/**',
      'node_modules/ssh2/lib/protocol/crypto/build/**',
      'node_modules/cpu-features/**',
    ]);
  });

  it('publishes nothing and builds AppImage, deb and rpm from the built app only', () => {
    assert.equal(config.publish, null);
    assert.deepEqual((config.linux as { target: string[] }).target, ['AppImage', 'deb', 'rpm']);
    assert.deepEqual(config.files, ['package.json', 'dist/**/*', 'renderer/dist/**/*', '!**/*.map']);
  });

  it('ships the service units (system and user) and their page in the deb and the rpm', () => {
    const units = [
      'packaging/systemd/airgap-runner.service=/usr/lib/systemd/system/airgap-runner.service',
      'packaging/systemd/user/airgap-runner.service=/usr/lib/systemd/user/airgap-runner.service',
      'docs/service.md=/usr/share/doc/airgap-runner/service.md',
    ];
    for (const target of ['deb', 'rpm']) assert.deepEqual((config[target] as { fpm: string[] }).fpm, units, target);
    for (const mapping of units) {
      const text = readFileSync(new URL(`../../../${mapping.split('=')[0]}`, import.meta.url), 'utf8');
      if (!mapping.startsWith('packaging/')) continue;
      assert.match(text, /^ExecStart=.* service$/m, mapping);
      assert.match(text, /^UMask=0077$/m, 'the socket and token files are born private');
      assert.match(text, /^KillSignal=SIGTERM$/m, 'a stop lets the service settle its runs');
    }
  });

  it('has a test build that differs only by keeping inspect arguments for Playwright, in its own folder', () => {
    const test = read('electron-builder.test.yml');
    assert.equal(test.extends, 'electron-builder.yml');
    assert.deepEqual(test.electronFuses, { enableNodeCliInspectArguments: true });
    assert.deepEqual(test.directories, { output: 'release/test' });
  });
});

describe('dependency floors (issue 13)', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8')) as {
    packages: Record<string, { version: string }>;
  };
  const floor = (range: string) => /^\^?(\d+\.\d+\.\d+)$/.exec(range)?.[1];

  it('node-forge (CMS and PKCS#12 of the audit export) is required at the version that is locked, not an older one', () => {
    assert.equal(floor(pkg.dependencies['node-forge']!), lock.packages['node_modules/node-forge']!.version);
  });

  it('Electron is a major Electron still supports (the latest three: 43, 44 and 45 on 2026-12-04; docs/desktop.md)', () => {
    const major = Number(floor(pkg.devDependencies.electron!)?.split('.')[0]);
    assert.ok(major >= 43, `electron ${pkg.devDependencies.electron} is out of support`);
    assert.equal(Number(lock.packages['node_modules/electron']!.version.split('.')[0]), major);
  });
});
