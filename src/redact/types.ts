/**
 * The redaction engine's public shape (issue 8). Every egress path (run report export, audit export
 * `--redact`, LLM prompts, the preview) goes through one Redactor built for that path, so what the
 * preview shows is exactly what would leave.
 *
 * Agreed between the parts of issue 8 before they were built; src/redact/index.ts implements it.
 */
import type { RedactAction } from './model';

export { EGRESS_PATHS, REDACT_ACTIONS, RULE_SET_IDS, type EgressPath, type RedactAction, type RuleSetId } from './model';

/** One replacement made in a text: offsets are into the input text. */
export interface Replacement {
  /** Rule id, e.g. "jwt", "ipv4", "vault", "site:ticket-id". */
  rule: string;
  action: RedactAction;
  start: number;
  end: number;
  /** The matched text. Never leaves the workstation (the preview shows it locally). */
  original: string;
  /** What replaced it: "" (drop), "[MASKED:jwt]" (mask), "host-7f3a2c" (pseudonymise). */
  replacement: string;
}

export interface RedactResult {
  text: string;
  replacements: Replacement[];
}

export interface Redactor {
  /** Rule-set name and version as recorded in manifests and audit events, e.g. "default", "1+site.3f2a9c1e". */
  readonly ruleSet: string;
  readonly version: string;
  /** Redacts one whole text. */
  redact(text: string): RedactResult;
  /** Redacts every string inside a JSON value (keys kept); returns the new value and the count. */
  redactValue(value: unknown): { value: unknown; replacements: number };
  /** A streaming redactor for logs: a match split across chunks is still found. */
  stream(): { push(chunk: string): string; flush(): string };
  /** Replacements made so far by this redactor, by rule id (for manifests and audit events). */
  counts(): Record<string, number>;
}

export interface RedactorOptions {
  /** Rule set name; default: the one the settings assign to the egress path. */
  ruleSet?: string;
  /** Exact values to mask (vault values; their base64 forms are masked too). */
  secrets?: ReadonlyArray<Buffer | string>;
  /** The run's own configuration values marked `sensitive: true`: masked exactly. */
  sensitiveValues?: readonly string[];
  /** Record pseudonyms in the reverse map (egress). Preview passes false: it writes nothing. */
  record?: boolean;
}
