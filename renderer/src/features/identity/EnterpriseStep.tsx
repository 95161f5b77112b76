import type { FormEvent } from 'react';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import type { Problem } from '../../api/use-action';
import type { StepResult, useSignInSteps } from './sign-in-steps';

/**
 * The step after the password when the workstation asks more of its users: the site's identity
 * provider (in its own window) or the directory password. Shared by the sign-in and lock screens.
 */
export function EnterpriseStep({
  name,
  steps,
  busy,
  error,
  run,
  onSignedIn,
  clearPassword,
}: {
  name: string;
  steps: ReturnType<typeof useSignInSteps>;
  busy: boolean;
  error: Problem;
  run: (action: () => Promise<Problem | undefined | void>) => Promise<void>;
  onSignedIn: () => void;
  /** Clears the password of the form around: on "Start over", and when a refusal sends the user back to it. */
  clearPassword: () => void;
}) {
  const step = steps.step;
  const startAgain = () => {
    steps.reset();
    clearPassword();
  };
  if (step.kind !== 'idp' && step.kind !== 'ldap') return null;

  async function submit(event: FormEvent, next: () => Promise<StepResult>) {
    event.preventDefault();
    await run(async () => {
      const result = await next();
      if (result.signedIn) return onSignedIn();
      if (result.wrongPassword) clearPassword();
      return result.problem;
    });
  }

  const startOver = (
    <button type="button" className="btn btn-ghost btn-block" onClick={startAgain} disabled={busy}>
      Start over
    </button>
  );

  if (step.kind === 'idp') {
    return (
      <form onSubmit={(e) => void submit(e, steps.continueWithIdp)} noValidate className="stack">
        <StatusNotice tone="success">Password accepted for {name}.</StatusNotice>
        <h2 className="auth-step-title">Confirm with {step.via}</h2>
        <p>
          This workstation also asks {step.via}, your organisation&apos;s sign-in service, to confirm it is you. A separate window opens
          with its sign-in page: sign in there, including any second step it asks for (such as a code or a security key). The window closes
          by itself when you are done, and you continue here.
        </p>
        <p className="fine-print">That window shows only {step.via}&apos;s own pages. Closing it cancels the sign-in.</p>
        {busy && <StatusNotice tone="info">Finish in the {step.via} window. Closing that window cancels the sign-in.</StatusNotice>}
        <ErrorNotice error={error} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy} autoFocus>
          {busy ? `Waiting for ${step.via}…` : `Continue with ${step.via}`}
        </button>
        {startOver}
      </form>
    );
  }

  return (
    <form onSubmit={(e) => void submit(e, steps.continueWithDirectory)} noValidate className="stack">
      <StatusNotice tone="success">Password accepted for {name}.</StatusNotice>
      <p>This workstation also checks your account with your organisation&apos;s directory.</p>
      <Field
        label="Directory password"
        type="password"
        value={steps.directoryPassword}
        onChange={(e) => steps.setDirectoryPassword(e.target.value)}
        autoComplete="off"
        autoFocus
        hint="The password of your network account. It may differ from this workstation's password."
      />
      <ErrorNotice error={error} />
      <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
      {startOver}
    </form>
  );
}
