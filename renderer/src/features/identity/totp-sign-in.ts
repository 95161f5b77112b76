import { useState } from 'react';
import { useApi } from '../../api/context';
import { isTotpChallenge } from '../../api/contract';
import type { Problem } from '../../api/use-action';

/**
 * The two steps of a sign-in (docs/identity.md, "Offline TOTP"): the password, then, when the core
 * answers that the account has TOTP, the code. The password stays in the form's state until the
 * code is accepted or the user starts over; the core checks both again on the second call.
 */
export function useSignInWithCode() {
  const api = useApi();
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState('');

  /**
   * One submit: signed in, or the code is now needed (the form shows its field), or a problem to
   * show. `wrongPassword` tells the form to clear the password (a refused first step).
   */
  async function signIn(name: string, password: string): Promise<{ signedIn: boolean; problem: Problem; wrongPassword: boolean }> {
    if (needsCode && !code.trim()) return { signedIn: false, problem: 'Enter the code from your authenticator app.', wrongPassword: false };
    const result = await api.call('auth.signIn', { name, password, ...(needsCode ? { totpCode: code } : {}) });
    setCode('');
    if (result.ok) {
      setNeedsCode(false);
      return { signedIn: true, problem: null, wrongPassword: false };
    }
    if (!needsCode && isTotpChallenge(result.error)) {
      setNeedsCode(true);
      return { signedIn: false, problem: null, wrongPassword: false };
    }
    return { signedIn: false, problem: result.error, wrongPassword: !needsCode };
  }

  return { needsCode, code, setCode, signIn, reset: () => (setNeedsCode(false), setCode('')) };
}
