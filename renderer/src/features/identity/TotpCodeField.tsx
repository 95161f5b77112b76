import { Field } from '../../components/Field';

/** A one-time code field: takes focus when it appears, so Enter, code, Enter is all it takes. */
export function TotpCodeField({
  value,
  onChange,
  label = 'Code from your authenticator app',
  hint = 'The 6 digits the app shows now, or one of your recovery codes (xxxxx-xxxxx).',
}: {
  value: string;
  onChange: (code: string) => void;
  label?: string;
  hint?: string | undefined;
}) {
  return (
    <Field
      label={label}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      inputMode="numeric"
      autoComplete="one-time-code"
      autoFocus
      maxLength={24}
      hint={hint}
    />
  );
}
