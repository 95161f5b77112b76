import type { ReactNode } from 'react';
import { ControlField, type FieldAria } from '../../components/Field';

/** A run or schedule form's field: the label (a variable's name in the code font unless `mono` is false), the required mark, hint and error. */
export function Row({
  mono = true,
  ...field
}: {
  label: string;
  required: boolean;
  hint: string;
  error: string | undefined;
  mono?: boolean;
  control: (aria: FieldAria) => ReactNode;
}) {
  return <ControlField className="run-var" mono={mono} {...field} />;
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
