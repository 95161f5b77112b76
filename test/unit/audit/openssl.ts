/**
 * The openssl command line, for tests that need material made by another implementation (PKCS#12
 * files, CA-issued certificates, signatures). It is installed at /usr/bin/openssl on the build and CI
 * images; tests that need it say so and skip only when it is absent.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const OPENSSL = existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl';

export const opensslMissing: string | false = (() => {
  const probe = spawnSync(OPENSSL, ['version'], { encoding: 'utf8' });
  return probe.status === 0
    ? false
    : 'openssl is not installed (expected at /usr/bin/openssl); this test needs it to cross-check with another implementation';
})();

export function openssl(args: string[], options: { cwd?: string; input?: string } = {}): string {
  return execFileSync(OPENSSL, args, { cwd: options.cwd, input: options.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs openssl and returns status and output instead of throwing. */
export function opensslResult(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(OPENSSL, args, { cwd, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `openssl cms -verify` of an unpacked export's manifest signature in `dir`, trusting `cert.pem` there. */
export function opensslVerifyManifest(dir: string): { status: number | null; stdout: string; stderr: string } {
  return opensslResult(
    [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      'manifest.json.p7s',
      '-content',
      'manifest.json',
      '-CAfile',
      'cert.pem',
      '-out',
      '/dev/null',
    ],
    dir,
  );
}
