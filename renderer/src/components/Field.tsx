import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

/** What a field's control carries: its id, and its hint and message wired for screen readers. */
export interface FieldAria {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
  /** The message of an invalid field (ARIA's own link from a control to its error). */
  'aria-errormessage': string | undefined;
}

/** A field's hint and error under its control, with the ids its aria-describedby and aria-errormessage name. */
export function FieldNotes({ id, hint, error }: { id: string; hint?: ReactNode; error?: string | undefined }) {
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
 * A labelled control (an input, a select, a textarea, a group of them) with its hint and error
 * under it, wired to aria-describedby and aria-errormessage: `control` gets what its first element
 * carries. A field that says whether it is `required` shows its label in a row with the required
 * mark; `mono` sets the label in the code font (a variable's name).
 */
export function ControlField({
  label,
  hint,
  error,
  className,
  required,
  mono = false,
  control,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  className?: string | undefined;
  required?: boolean;
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
  const labelled = (
    <label htmlFor={id} className={mono ? 'mono' : undefined}>
      {label}
    </label>
  );
  return (
    <div className={`field ${className ?? ''}`}>
      {required === undefined ? (
        labelled
      ) : (
        <span className="label-row">
          {labelled}
          {required && (
            <span className="required-mark" aria-hidden="true" title="required">
              *
            </span>
          )}
        </span>
      )}
      {control(aria)}
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}

type Props = { label: string; hint?: ReactNode; error?: string | undefined } & Omit<InputHTMLAttributes<HTMLInputElement>, 'id'>;

/** A labelled input with its hint and error wired to aria-describedby. */
export function Field({ label, hint, error, className, ...input }: Props) {
  return <ControlField label={label} hint={hint} error={error} className={className} control={(aria) => <input {...aria} {...input} />} />;
}
