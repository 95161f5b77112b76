import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';
import { useAction, type Problem } from '../api/use-action';
import { Modal } from './Modal';
import { ErrorNotice } from './Notice';

/**
 * Asks for a hardware token's PIN at the moment of use (docs/credentials.md). The PIN never enters
 * React state: the field is uncontrolled, its value is read once on submit, handed to `use` (which
 * makes the one call that needs it) and the field is emptied at once, right or wrong. Focus starts in
 * the field; Enter submits; Escape (or Cancel) closes. A refusal (a wrong PIN, or our throttle saying
 * how long the next try waits) is shown in the dialog, which stays open for another try.
 */
export function PinDialog({
  title,
  token,
  children,
  submitLabel,
  use,
  onClose,
}: {
  title: string;
  /** The token's label, as the operator knows it. */
  token: string;
  /** What the PIN is for, in the operator's words. */
  children?: ReactNode;
  submitLabel: string;
  /** Makes the one call with the PIN; returns its problem (the dialog stays open) or nothing (it closes). */
  use: (pin: string) => Promise<Problem | undefined | void>;
  onClose: () => void;
}) {
  const field = useRef<HTMLInputElement>(null);
  const id = useId();
  const { error, busy, run } = useAction();
  useEffect(() => field.current?.focus(), []);

  function submit(event: FormEvent) {
    event.preventDefault();
    const input = field.current;
    if (busy || !input || !input.value) return;
    const pin = input.value;
    input.value = '';
    void run(async () => {
      const problem = await use(pin);
      if (problem) {
        // Focus stays in the (emptied) field for another try.
        field.current?.focus();
        return problem;
      }
      onClose();
    });
  }

  return (
    <Modal title={title} onClose={onClose}>
      <form className="stack" onSubmit={submit} aria-label={title}>
        {children && <div className="confirm-body">{children}</div>}
        <div className="field">
          <label htmlFor={id}>PIN of the token {token}</label>
          <input
            id={id}
            ref={field}
            type="password"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${id}-hint`}
            maxLength={256}
          />
          <p id={`${id}-hint`} className="hint">
            Used for this one operation; never stored, logged or sent anywhere else.
          </p>
        </div>
        <ErrorNotice error={error} />
        <div className="card-actions">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Working…' : submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
