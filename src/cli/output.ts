/**
 * Printing for humans (tables, fields) and machines (--json). Task text is never printed raw: see
 * redact/. Humans read words: keys such as `startedBy` print as "started by" (STARTED BY in a
 * table header), true/false as yes/no. Colour only on a terminal, and never when NO_COLOR is set.
 */

/**
 * A reader that goes away early (`runs list | head`) makes writes fail with EPIPE; without a listener
 * Node turns that into an uncaught stack trace. The rest of the output is dropped quietly and the
 * command ends as it would have (a `run` is not interrupted because its reader left).
 */
export function quietOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Control characters (terminal escapes included) are shown as '?', never sent to the terminal. */
export function neutralise(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? '?' : ch;
  }
  return out;
}

/** Whether to colour what goes to `stream`: a terminal, NO_COLOR unset or empty (no-color.org), TERM not dumb. */
export function useColour(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

const SGR = { red: 31, yellow: 33, green: 32, bold: 1, reverse: 7 } as const;

export function colour(stream: NodeJS.WriteStream, style: keyof typeof SGR, text: string): string {
  return useColour(stream) ? `\u001b[${SGR[style]}m${text}\u001b[0m` : text;
}

/** `startedBy` → "started by", `runLogs` → "run logs", `sha256` stays. */
export function words(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
}

function text(v: unknown, join: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return neutralise(v.join(join));
  if (typeof v === 'object') return neutralise(JSON.stringify(v));
  return neutralise(typeof v === 'string' ? v : JSON.stringify(v));
}

export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const headers = columns.map((c) => words(c).toUpperCase());
  const cells = rows.map((r) => columns.map((c) => text(r[c], ',')));
  const widths = columns.map((_, i) => Math.max(headers[i]!.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${colour(process.stdout, 'bold', line(headers))}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

/**
 * One "key  value" line per field. `keys: 'as-is'` keeps keys that are themselves identifiers the
 * operator types (setting keys for `settings set`).
 */
export function printFields(obj: Record<string, unknown>, options: { keys?: 'words' | 'as-is' } = {}): void {
  const label = (k: string) => (options.keys === 'as-is' ? neutralise(k) : words(k));
  const width = Math.max(...Object.keys(obj).map((k) => label(k).length));
  for (const [k, v] of Object.entries(obj)) process.stdout.write(`${label(k).padEnd(width)}  ${text(v, ', ')}\n`);
}
