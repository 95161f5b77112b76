/**
 * `manifest.json` of an audit export bundle (format version 1): what the signature covers.
 * Shared by the writer (export-bundle.ts) and the verifier (verify.ts); see docs/audit-export.md.
 */
import { canonicalJson } from '../kernel';
import { isSafeEntryName } from './tar';

export const BUNDLE_FORMAT = 'airgap-runner/audit-export';
export const BUNDLE_VERSION = 1;

export const BUNDLE_FILES = {
  events: 'events.jsonl',
  manifest: 'manifest.json',
  signature: 'manifest.json.p7s',
  readme: 'README.txt',
} as const;

export interface ManifestFile {
  name: string;
  /** SHA-256 of the file's bytes, lower-case hex. */
  sha256: string;
  size: number;
}

export interface ManifestRedaction {
  ruleSet: string;
  version: string;
  /** Values replaced across the bundle, as counted by the redaction rules. */
  replacements: number;
  /** Events whose details were replaced (each carries `redacted: true`). */
  events: number;
  /** Replacements by rule id (rule sets of the redaction engine; absent for drop-details). */
  rules?: Record<string, number>;
}

export interface ExportManifest {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  exportId: string;
  /** The export this one continues, or null for the first export of the workstation. */
  previousExportId: string | null;
  workstationId: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  range: { firstSeq: number; lastSeq: number; count: number };
  /** prevHash of the first event: the previous export's lastHash, or the genesis hash. */
  firstPrevHash: string;
  /** hash of the last event: the next export's firstPrevHash. */
  lastHash: string;
  /** Every file of the bundle except manifest.json and its signature, sorted by name. */
  files: ManifestFile[];
  signer: { fingerprint: string; subject: string };
  redaction: ManifestRedaction | null;
}

export const HEX64 = /^[0-9a-f]{64}$/;
export const EXPORT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

export function manifestBytes(manifest: ExportManifest): Buffer {
  return Buffer.from(canonicalJson(manifest), 'utf8');
}

type Check = (value: unknown) => string | null;

const isString: Check = (v) => (typeof v === 'string' ? null : 'is not a string');
const isCount: Check = (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? null : 'is not a non-negative integer');
const isCountMap: Check = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((n) => isCount(n) === null)
    ? null
    : 'is not a map of counts';
const isSeq: Check = (v) => (Number.isSafeInteger(v) && (v as number) >= 1 ? null : 'is not a positive integer');
const matches =
  (re: RegExp, what: string): Check =>
  (v) =>
    typeof v === 'string' && re.test(v) ? null : `is not ${what}`;

type FieldCheck = (value: unknown, path: string) => string | null;

function exactObject(value: unknown, path: string, fields: Record<string, FieldCheck>): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path} is not an object`;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!(key in fields)) return `${path} has an unknown field "${key}"`;
  for (const [key, check] of Object.entries(fields)) {
    if (!(key in record)) return `${path}.${key} is missing`;
    const problem = check(record[key], `${path}.${key}`);
    if (problem) return problem.startsWith(path) ? problem : `${path}.${key} ${problem}`;
  }
  return null;
}

/** Parses and strictly validates manifest bytes: canonical JSON, known fields only, consistent range. */
export function parseManifest(bytes: Buffer): { ok: true; manifest: ExportManifest } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, message: 'manifest.json is not valid JSON' };
  }
  const problem = exactObject(value, 'manifest', {
    format: (v) => (v === BUNDLE_FORMAT ? null : `is not "${BUNDLE_FORMAT}" (not an Airgap Runner audit export)`),
    version: (v) =>
      v === BUNDLE_VERSION ? null : `is ${JSON.stringify(v)}; this verifier reads version ${BUNDLE_VERSION} (use a newer verifier)`,
    exportId: matches(EXPORT_ID, 'a valid export id'),
    previousExportId: (v) => (v === null ? null : matches(EXPORT_ID, 'null or a valid export id')(v)),
    workstationId: isString,
    createdAt: (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? null : 'is not a date'),
    range: (v, p) => exactObject(v, p, { firstSeq: isSeq, lastSeq: isSeq, count: isSeq }),
    firstPrevHash: matches(HEX64, '64 lower-case hex digits'),
    lastHash: matches(HEX64, '64 lower-case hex digits'),
    files: (v, p) => {
      if (!Array.isArray(v)) return `${p} is not a list`;
      for (const [i, file] of v.entries()) {
        const fileProblem = exactObject(file, `${p}[${i}]`, {
          name: matches(/^/, 'a name'),
          sha256: matches(HEX64, 'a SHA-256'),
          size: isCount,
        });
        if (fileProblem) return fileProblem;
      }
      return null;
    },
    signer: (v, p) => exactObject(v, p, { fingerprint: matches(FINGERPRINT, 'a SHA-256 fingerprint'), subject: isString }),
    redaction: (v, p) =>
      v === null
        ? null
        : exactObject(v, p, {
            ruleSet: isString,
            version: isString,
            replacements: isCount,
            events: isCount,
            ...(typeof v === 'object' && 'rules' in v ? { rules: isCountMap } : {}),
          }),
  });
  if (problem) return { ok: false, message: problem };
  const manifest = value as ExportManifest;
  const { firstSeq, lastSeq, count } = manifest.range;
  if (lastSeq !== firstSeq + count - 1)
    return { ok: false, message: 'manifest.range is inconsistent (lastSeq must be firstSeq + count - 1)' };
  const names = manifest.files.map((f) => f.name);
  for (const name of names) {
    if (!isSafeEntryName(name) || name === BUNDLE_FILES.manifest || name === BUNDLE_FILES.signature) {
      return { ok: false, message: `manifest.files names "${name}", which a bundle cannot hold` };
    }
  }
  if (new Set(names).size !== names.length) return { ok: false, message: 'manifest.files names a file twice' };
  if (!names.includes(BUNDLE_FILES.events)) return { ok: false, message: 'manifest.files does not list events.jsonl' };
  if (canonicalJson(value) !== bytes.toString('utf8')) return { ok: false, message: 'manifest.json is not in canonical form' };
  return { ok: true, manifest };
}
