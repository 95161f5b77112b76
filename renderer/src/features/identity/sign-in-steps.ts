import { useState } from 'react';
import { useApi } from '../../api/context';
import { isTotpChallenge, signInRefusal, type ApiErrorShape } from '../../api/contract';
import type { Problem } from '../../api/use-action';

/**
 * The steps of a sign-in (docs/identity.md): the password; then, as the core answers, the TOTP code,
 * the site's identity provider (its own window), or the directory password. The password stays in
 * the form's state until the sign-in ends or the user starts over (the TOTP step sends it again).
 */
export type SignInStep =
  { kind: 'password' } | { kind: 'code' } | { kind: 'idp'; attemptId: string; via: string } | { kind: 'ldap'; attemptId: string };

export interface StepResult {
  signedIn: boolean;
  problem: Problem;
  /** The form clears the password (a refused first step). */
  wrongPassword: boolean;
}

const SIGNED_IN: StepResult = { signedIn: true, problem: null, wrongPassword: false };
const stay = (problem: Problem, wrongPassword = false): StepResult => ({ signedIn: false, problem, wrongPassword });

/** The core's refusal of an enterprise step, in plain words (the reason itself is in the audit trail). */
export function describeRefusal(error: ApiErrorShape, via: string): string {
  switch (signInRefusal(error)) {
    case 'mfa':
      return `${via} confirmed your password but not a second factor (such as a code or a security key), and this workstation requires one. Sign in again and complete the second step at ${via}; if it does not offer one, ask your administrator to set it up for your account.`;
    case 'idp-refused':
      return `${via} refused to sign you in: your account there may be disabled, locked or not allowed to use this workstation. Ask your administrator.`;
    case 'no-role':
      return 'You are not in any group that gives a role on this workstation, so you cannot sign in here. Ask your administrator to add you to the right group.';
    case 'roles-pending':
      return 'Your groups give you a role an administrator has not granted on this workstation yet. Ask an administrator to approve it in Users, then sign in again.';
    case 'other-user':
      return `You signed in at ${via} as someone else. Sign in again, and use your own account there.`;
    case 'directory-password':
      return 'The directory did not accept that password (or your account there is locked or disabled). Sign in again and check your directory password, or ask your administrator.';
    case 'directory-unreachable':
      return 'The directory could not be reached, so nothing was opened. Try again in a moment; if it keeps failing, ask your administrator.';
    case 'expired':
      return 'This sign-in took too long or was already used. Sign in again with your password.';
    case 'not-verified':
      return `The answer from ${via} could not be verified, so nothing was opened. Sign in again; if it happens again, ask your administrator (the reason is in the audit trail).`;
    default:
      return error.message;
  }
}

export function useSignInSteps() {
  const api = useApi();
  const [step, setStep] = useState<SignInStep>({ kind: 'password' });
  const [code, setCode] = useState('');
  const [directoryPassword, setDirectoryPassword] = useState('');

  const reset = () => {
    if (step.kind === 'idp' || step.kind === 'ldap') void api.call('auth.cancel', { attemptId: step.attemptId });
    setStep({ kind: 'password' });
    setCode('');
    setDirectoryPassword('');
  };

  /** A refused later step ends the attempt in the core: back to the password, with the reason. */
  const restart = (problem: Problem): StepResult => {
    setStep({ kind: 'password' });
    setDirectoryPassword('');
    return stay(problem, true);
  };

  /** The password step, or the TOTP code with it. */
  async function signIn(name: string, password: string): Promise<StepResult> {
    if (step.kind === 'code' && !code.trim()) return stay('Enter the code from your authenticator app.');
    const result = await api.call('auth.begin', { name, password, ...(step.kind === 'code' ? { totpCode: code } : {}) });
    setCode('');
    if (result.ok) {
      const value = result.value;
      if ('next' in value) {
        setStep(
          value.next === 'idp' ? { kind: 'idp', attemptId: value.attemptId, via: value.via } : { kind: 'ldap', attemptId: value.attemptId },
        );
        return stay(null);
      }
      setStep({ kind: 'password' });
      return SIGNED_IN;
    }
    if (step.kind !== 'code' && isTotpChallenge(result.error)) {
      setStep({ kind: 'code' });
      return stay(null);
    }
    return stay(result.error, step.kind !== 'code');
  }

  /** Opens the identity provider's window; resolves when it is done. */
  async function continueWithIdp(): Promise<StepResult> {
    if (step.kind !== 'idp') return stay(null);
    const result = await api.idpSignIn(step.attemptId);
    if (result.ok) {
      setStep({ kind: 'password' });
      return SIGNED_IN;
    }
    return restart(describeRefusal(result.error, step.via));
  }

  async function continueWithDirectory(): Promise<StepResult> {
    if (step.kind !== 'ldap') return stay(null);
    if (!directoryPassword) return stay('Enter your directory password.');
    const result = await api.call('auth.ldap.complete', { attemptId: step.attemptId, password: directoryPassword });
    setDirectoryPassword('');
    if (result.ok) {
      setStep({ kind: 'password' });
      return SIGNED_IN;
    }
    return restart(describeRefusal(result.error, 'the directory'));
  }

  return { step, code, setCode, directoryPassword, setDirectoryPassword, signIn, continueWithIdp, continueWithDirectory, reset };
}
