/**
 * The receiving side without our code: an exported bundle, unpacked with the system's tar, passes
 * `openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json -CAfile cert.pem`
 * (no -purpose override) for an RSA and an EC identity, and `openssl dgst -sha256` agrees with the
 * manifest. This test runs the real openssl (/usr/bin/openssl) and is skipped only when openssl is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportManifest } from '../../../src/audit/manifest';
import { makeChain } from '../../unit/audit/helpers';
import { openssl, opensslMissing, opensslVerifyManifest } from '../../unit/audit/openssl';
import { exportBundle, tempDir, testIdentity, unpack } from './bundle-tools';

const systemTar = ['/usr/bin/tar', '/bin/tar'].find((path) => existsSync(path));

for (const kind of ['rsa', 'ec'] as const) {
  test(
    `openssl cms -verify accepts the manifest signature of an exported bundle (${kind.toUpperCase()} identity, no -purpose)`,
    { skip: opensslMissing },
    async () => {
      const dir = tempDir(`audit-openssl-${kind}-`);
      const identity = await testIdentity(`openssl-${kind}`, kind);
      await exportBundle({ dir, name: 'export.tar.gz', events: makeChain(500), identity, exportId: `openssl-${kind}` });
      const out = join(dir, 'unpacked');
      mkdirSync(out);
      if (systemTar) {
        const untar = spawnSync(systemTar, ['-xzf', join(dir, 'export.tar.gz'), '-C', out], { encoding: 'utf8' });
        assert.equal(untar.status, 0, `tar -xzf failed: ${untar.stderr}`);
      } else {
        for (const entry of unpack(join(dir, 'export.tar.gz'))) writeFileSync(join(out, entry.name), entry.data);
      }
      writeFileSync(join(out, 'cert.pem'), identity.certPem);

      const verified = opensslVerifyManifest(out);
      assert.equal(verified.status, 0, `openssl cms -verify failed:\n${verified.stderr}`);
      assert.match(verified.stderr, /Verification successful/);

      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ExportManifest;
      for (const file of manifest.files) {
        const digest = openssl(['dgst', '-sha256', '-r', file.name], { cwd: out }).split(' ')[0];
        assert.equal(digest, file.sha256, `${file.name} hash`);
      }

      // And openssl refuses a changed manifest, so the check above means something.
      writeFileSync(join(out, 'manifest.json'), readFileSync(join(out, 'manifest.json'), 'utf8').replace('"count":500', '"count":499'));
      const refused = opensslVerifyManifest(out);
      assert.notEqual(refused.status, 0);
    },
  );
}
