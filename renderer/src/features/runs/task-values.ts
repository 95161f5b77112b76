import type { OpOutput } from '../../api/contract';

export type Declaration = OpOutput<'tasks.show'>['task'];
type Variable = Declaration['config'][number];
export type Errors = Record<string, string>;

/** What a form field starts with: the declared default, as the text the core takes. */
function initialValue(v: Variable): string {
  if (v.type === 'boolean') return String(v.default === true);
  return v.default === null ? '' : String(v.default);
}

/** The vault item a secret starts with: the one of the same name when it is bound (the core's default too). */
function initialItem(s: Declaration['secrets'][number]): string {
  return s.vaultItems?.includes(s.name) ? s.name : s.vaultItems?.length === 1 ? s.vaultItems[0]! : '';
}

function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u').test(value);
  } catch {
    // The core checked the pattern at import; if this engine cannot read it, the core decides.
    return true;
  }
}

/**
 * The same checks the core makes (src/runner/config.ts), shown next to each field before anything
 * is sent. The core checks again: this only saves a round trip and says where the problem is.
 */
export function validateRun(
  decl: Declaration,
  values: Record<string, string>,
  files: Record<string, string>,
  secrets: Record<string, string>,
  reason: string,
): Errors {
  const errors: Errors = {};
  for (const v of decl.config) {
    const value = (v.type === 'file' ? files[v.name] : values[v.name]) ?? '';
    if (value.trim() === '') {
      if (v.required) errors[v.name] = v.type === 'file' ? 'Choose a file: this variable is required.' : 'Required: give a value.';
      continue;
    }
    if (v.type === 'string' && v.pattern && !matches(v.pattern, value)) {
      errors[v.name] = `Does not match the pattern ${v.pattern}${v.example ? ` (for example ${v.example})` : ''}.`;
    } else if (v.type === 'number' && (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value.trim()) || !Number.isFinite(Number(value)))) {
      errors[v.name] = 'Enter a number.';
    } else if (value.length > 4096) {
      errors[v.name] = 'At most 4096 characters.';
    }
  }
  for (const s of decl.secrets) {
    if (s.vaultItems !== null && !secrets[s.name]) {
      errors[`secret:${s.name}`] =
        s.vaultItems.length === 0
          ? `No vault item is bound to ${decl.bundle}: bind one on the Vault screen first.`
          : 'Choose the vault item that fills this secret.';
    }
  }
  if (decl.reasonRequired && !reason.trim()) errors.reason = 'A read-write task needs a written reason.';
  return errors;
}

/**
 * What "Run again" starts from: the earlier run's values (a sensitive one was never shown back, so it
 * is typed again), its secrets by vault item name, and its reason. Files are picked again: a path is
 * only taken from the file dialog.
 */
export interface RunAgain {
  values: Record<string, string>;
  secrets: Record<string, string>;
  reason: string;
  /** The run these came from. */
  from: string;
}

/** The earlier run's value of a variable, unless it was sensitive (then it comes back masked) or is no longer declared. */
function againValue(v: Variable, again: Pick<RunAgain, 'values'> | undefined): string | undefined {
  if (!again || v.sensitive || v.type === 'file') return undefined;
  return again.values[v.name];
}

/** A form's first values: an earlier run's or schedule's where given (never a sensitive one), else the declared defaults. */
export function startingValues(decl: Declaration, again?: Pick<RunAgain, 'values'>): Record<string, string> {
  return Object.fromEntries(decl.config.filter((v) => v.type !== 'file').map((v) => [v.name, againValue(v, again) ?? initialValue(v)]));
}

/** A form's first vault items: the earlier ones where still bound, else the item of the secret's name. */
export function startingSecrets(decl: Declaration, again?: Pick<RunAgain, 'secrets'>): Record<string, string> {
  return Object.fromEntries(
    decl.secrets.map((s) => {
      const earlier = again?.secrets[s.name];
      return [s.name, earlier && s.vaultItems?.includes(earlier) ? earlier : initialItem(s)];
    }),
  );
}
