/**
 * Reading codebundle.yaml from an image: size cap, strict UTF-8, YAML 1.2 core schema with unique
 * keys and a small alias budget (no "billion laughs"), then the strict zod schema. Every error is
 * INVALID_INPUT and names the offending field path, e.g. `tasks[1].config[0].type: expected one of …`.
 */
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ApiError } from '../kernel';
import { CODEBUNDLE_MAX_BYTES } from './contract';
import { codebundleSchema, type Codebundle } from './schema';

export interface CodebundleIssue {
  /** e.g. `tasks[1].config[0].type`; empty for the document itself. */
  path: string;
  message: string;
}

export class CodebundleInvalidError extends ApiError {
  readonly issues: readonly CodebundleIssue[];
  constructor(issues: readonly CodebundleIssue[], options?: { cause?: unknown }) {
    const shown = issues.slice(0, 5).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
    super(
      'INVALID_INPUT',
      `codebundle.yaml is invalid: ${shown.join('; ')}${more}. Fix the file in the bundle's source, rebuild and re-sign the image.`,
      options,
    );
    this.issues = issues;
  }
}

export interface ParseOptions {
  maxBytes?: number;
  /** Aliases the YAML may resolve; codebundle.yaml needs none, a few are tolerated. */
  maxAliasCount?: number;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function toIssues(error: z.ZodError, data: unknown): CodebundleIssue[] {
  return error.issues.flatMap((issue) => {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }));
    }
    if (issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined) return [{ path, message: 'is required' }];
    return [{ path, message: issue.message.replace(/^Invalid (input|option): /, '') }];
  });
}

function decodeUtf8(input: string | Uint8Array): string {
  if (typeof input === 'string') return input;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch (error) {
    throw new CodebundleInvalidError([{ path: '', message: 'the file is not valid UTF-8 text' }], { cause: error });
  }
}

/** Parses and validates codebundle.yaml. Throws CodebundleInvalidError (INVALID_INPUT). */
export function parseCodebundleYaml(input: string | Uint8Array, options: ParseOptions = {}): Codebundle {
  const maxBytes = options.maxBytes ?? CODEBUNDLE_MAX_BYTES;
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > maxBytes) {
    throw new CodebundleInvalidError([{ path: '', message: `the file is ${size} bytes, more than the ${maxBytes} allowed` }]);
  }
  const text = decodeUtf8(input).replace(/^\uFEFF/, '');
  const doc = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true, merge: false, prettyErrors: true, strict: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const where = yamlError.linePos?.[0] ? ` at line ${yamlError.linePos[0].line}, column ${yamlError.linePos[0].col}` : '';
    const what =
      yamlError.code === 'DUPLICATE_KEY'
        ? 'a key appears twice in the same map'
        : yamlError.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    throw new CodebundleInvalidError([{ path: '', message: `YAML error${where}: ${what}` }]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: options.maxAliasCount ?? 16 });
  } catch (error) {
    throw new CodebundleInvalidError([{ path: '', message: 'the YAML expands too many aliases (anchors "&" and "*"): remove them' }], {
      cause: error,
    });
  }
  const result = codebundleSchema.safeParse(data);
  if (!result.success) throw new CodebundleInvalidError(toIssues(result.error, data));
  return result.data;
}
