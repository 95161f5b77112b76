/**
 * Exact masking of known secret values (the vault items a run mounts) in task output, before it is
 * stored or streamed (ARCHITECTURE.md, "Runner"; THREAT_MODEL.md asset 1). Only exact values and
 * their obvious encodings: pattern redaction and pseudonymisation are a later part of src/redact.
 *
 * What is masked for each secret value:
 *  - the value as text, and the value with surrounding white space trimmed (files end in "\n");
 *  - each line of a multi-line value that is long enough to be distinctive (a kubeconfig's token line);
 *  - base64 (standard and URL-safe, padded and not) of the value and of the trimmed value.
 * Forms shorter than MIN_FORM_LENGTH are not masked: masking every "a" would make logs unreadable
 * and a secret that short protects nothing.
 */

export const MASK = '[MASKED]';
/** Shortest form of a whole value that is masked. */
export const MIN_FORM_LENGTH = 4;
/** Shortest single line of a multi-line value that is masked on its own. */
export const MIN_LINE_LENGTH = 12;

function base64Forms(bytes: Buffer): string[] {
  if (bytes.length === 0) return [];
  const std = bytes.toString('base64');
  const url = bytes.toString('base64url');
  return [std, std.replace(/=+$/, ''), url, url.replace(/=+$/, '')];
}

/** Every text form of one secret value that must never reach a log, longest first. */
export function secretForms(value: Buffer | string): string[] {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const text = bytes.toString('utf8');
  const trimmed = text.trim();
  const forms = new Set<string>();
  const add = (form: string, min: number) => {
    if (form.length >= min) forms.add(form);
  };
  add(text, MIN_FORM_LENGTH);
  add(trimmed, MIN_FORM_LENGTH);
  for (const line of text.split(/\r?\n/)) add(line.trim(), MIN_LINE_LENGTH);
  // Encodings only of values long enough to mask themselves: base64 of "ab" would mask unrelated text.
  if (trimmed.length >= MIN_FORM_LENGTH) {
    for (const form of [...base64Forms(bytes), ...base64Forms(Buffer.from(trimmed, 'utf8'))]) add(form, MIN_FORM_LENGTH);
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Masks whole texts (results, warnings, error messages) against a fixed set of forms. */
export class Masker {
  readonly forms: readonly string[];
  private readonly pattern: RegExp | null;
  /** Length of the longest form (0 when there is nothing to mask). */
  readonly longest: number;
  private readonly firstChars: Set<string>;

  constructor(values: ReadonlyArray<Buffer | string>) {
    const forms = new Set<string>();
    for (const value of values) for (const form of secretForms(value)) forms.add(form);
    this.forms = [...forms].sort((a, b) => b.length - a.length);
    this.longest = this.forms[0]?.length ?? 0;
    this.firstChars = new Set(this.forms.map((f) => f[0]!));
    // Alternatives longest first: at one position the longest form wins.
    this.pattern = this.forms.length ? new RegExp(this.forms.map(escapeRegExp).join('|'), 'g') : null;
  }

  get empty(): boolean {
    return this.pattern === null;
  }

  mask(text: string): string {
    return this.pattern ? text.replace(this.pattern, MASK) : text;
  }

  /** Length of the longest suffix of `text` that could be the start of a form (held back by streams). */
  partialSuffix(text: string): number {
    const max = Math.min(this.longest - 1, text.length);
    for (let k = max; k > 0; k--) {
      const start = text.length - k;
      if (!this.firstChars.has(text[start]!)) continue;
      const tail = text.slice(start);
      if (this.forms.some((f) => f.startsWith(tail))) return k;
    }
    return 0;
  }
}

/**
 * Masks a text stream that arrives in pieces: a secret split across two chunks is still masked.
 * `push` returns what is safe to pass on now; the possible start of a secret is held back until
 * the next chunk or `flush`.
 */
export class StreamMasker {
  private held = '';

  constructor(private readonly masker: Masker) {}

  push(text: string): string {
    if (this.masker.empty) return text;
    const masked = this.masker.mask(this.held + text);
    const keep = this.masker.partialSuffix(masked);
    this.held = masked.slice(masked.length - keep);
    return masked.slice(0, masked.length - keep);
  }

  flush(): string {
    const rest = this.masker.mask(this.held);
    this.held = '';
    return rest;
  }
}
