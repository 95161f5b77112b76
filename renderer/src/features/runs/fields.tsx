import { useId, type ReactNode } from 'react';

/** What a field's control carries: its id, and its hint and message wired for screen readers. */
export interface FieldAria {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
  /** The message of an invalid field (ARIA's own link from a control to its error). */
  'aria-errormessage': string | undefined;
}

/** A labelled control with its description and error, wired to aria-describedby and aria-errormessage. */
export function Row({
  label,
  required,
  hint,
  error,
  control,
  mono = true,
}: {
  label: string;
  required: boolean;
  hint: string;
  error: string | undefined;
  mono?: boolean;
  control: (aria: FieldAria) => ReactNode;
}) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const aria: FieldAria = {
    id,
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
    'aria-errormessage': error ? `${id}-error` : undefined,
  };
  return (
    <div className="field run-var">
      <span className="label-row">
        <label htmlFor={id} className={mono ? 'mono' : undefined}>
          {label}
        </label>
        {required && (
          <span className="required-mark" aria-hidden="true" title="required">
            *
          </span>
        )}
      </span>
      {control(aria)}
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}

/** A field's hint and error under its control, with the ids its aria-describedby and aria-errormessage name. */
export function FieldNotes({ id, hint, error }: { id: string; hint: string; error: string | undefined }) {
  return (
    <>
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </>
  );
}

/**
 * Why the task runs: the run form's and the schedule form's last field, required (with its hint)
 * when the task is read-write.
 */
export function ReasonField({
  required,
  hint,
  value,
  onChange,
  error,
}: {
  required: boolean;
  hint: string;
  value: string;
  onChange: (reason: string) => void;
  error: string | undefined;
}) {
  return (
    <Row
      label={required ? 'Reason' : 'Reason (optional)'}
      mono={false}
      required={required}
      hint={required ? hint : ''}
      error={error}
      control={(aria) => (
        <textarea {...aria} aria-required={required || undefined} value={value} onChange={(e) => onChange(e.target.value)} rows={2} />
      )}
    />
  );
}
