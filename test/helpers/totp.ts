/** TOTP helpers for tests: codes made by otpauth (unit tests) or by the real oathtool binary (integration, e2e). */
import { execFileSync } from 'node:child_process';
import { TOTP } from 'otpauth';
import { dispatch } from '../../src/api/dispatcher';
import type { Core } from '../../src/api/core';

/** A code for `secret` (base32) at `when`, from otpauth (a second implementation is oathtool's). */
export function codeAt(secret: string, when: Date): string {
  return new TOTP({ secret }).generate({ timestamp: when.getTime() });
}

/** A code from the real `oathtool --totp -b SECRET` at `when` (RFC 6238, SHA-1, 6 digits, 30 s). */
export function oathtool(secret: string, when?: Date): string {
  const args = ['--totp', '-b', secret];
  if (when) args.push('--now', `${when.toISOString().slice(0, 19).replace('T', ' ')} UTC`);
  return execFileSync('oathtool', args, { encoding: 'utf8' }).trim();
}

export function hasOathtool(): boolean {
  try {
    execFileSync('oathtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Enrols the session's user (begin, then confirm with a code for the core's clock); returns the secret and recovery codes. */
export async function enrolTotp(core: Core, session: string, code: (secret: string) => string = (s) => codeAt(s, core.clock.now())) {
  const begun = await dispatch(core, session, 'auth.totp.enrolBegin', {});
  const confirmed = await dispatch(core, session, 'auth.totp.enrolConfirm', { code: code(begun.secret) });
  return { secret: begun.secret, uri: begun.uri, recoveryCodes: confirmed.recoveryCodes };
}
