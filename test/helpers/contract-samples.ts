/**
 * A typed answer for every operation and subscription of the contract, made from its zod schemas:
 * the smallest value its output (or event) schema accepts, parsed by that schema. Stand-ins of
 * `window.api` (bench/ui, test/e2e/standin.ts) start from these, so an operation added to the
 * contract answers something well-formed at once instead of leaving a screen waiting.
 */
import type { z } from 'zod';
import {
  contract,
  subscriptions,
  OP_NAMES,
  SUB_NAMES,
  type OpName,
  type OpOutput,
  type SubEvent,
  type SubName,
} from '../../src/api/contract';

/** What a schema's definition looks like to this walker (zod 4 keeps it on `_zod.def`). */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  in?: z.ZodType;
  items?: z.ZodType[];
  entries?: Record<string, string | number>;
  values?: unknown[];
  getter?: () => z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  defaultValue?: unknown;
  checks?: Array<{ _zod: { def: { check: string; minimum?: number } } }>;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const NOW = '2026-01-01T00:00:00.000Z';
/** Strings tried in order until the schema takes one (formats, ids, digests, names). */
const STRING_CANDIDATES = [
  'sample',
  NOW,
  'sha256:' + '0'.repeat(64),
  '0'.repeat(64),
  '00000000-0000-4000-8000-000000000000',
  'r-0000000001',
  'a',
  'sample@example.test',
  'https://example.test/',
  '/sample',
  'a'.repeat(12),
  '',
];

const TIME_KEY = /(^at|At|^time|Time|^deadline|Since|Until|Date)$/;

function minLength(def: Def): number {
  const min = def.checks?.find((c) => c._zod.def.check === 'min_length');
  return min?._zod.def.minimum ?? 0;
}

/** The first of `candidates` the schema accepts, or the first candidate when none is. */
function firstAccepted(schema: z.ZodType, candidates: unknown[]): unknown {
  return candidates.find((c) => schema.safeParse(c).success) ?? candidates[0];
}

/** A value `schema` accepts: objects with every required key, empty arrays and records, first enum values. */
export function sampleOf(schema: z.ZodType, key = ''): unknown {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      // A field named like a time gets a time, so screens format it as they would a real one.
      return firstAccepted(schema, TIME_KEY.test(key) ? [NOW, ...STRING_CANDIDATES] : STRING_CANDIDATES);
    case 'number':
    case 'int':
      return firstAccepted(schema, [0, 1, 1024]);
    case 'bigint':
      return 0n;
    case 'boolean':
      return false;
    case 'date':
      return new Date(NOW);
    case 'null':
    case 'nullable':
      return null;
    case 'undefined':
    case 'void':
    case 'optional':
      return undefined;
    case 'any':
    case 'unknown':
      return null;
    case 'literal':
      return def.values?.[0];
    case 'enum':
      return Object.values(def.entries ?? {})[0];
    case 'default':
    case 'prefault':
      return typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return sampleOf(def.innerType!, key);
    case 'lazy':
      return sampleOf(def.getter!());
    case 'pipe':
      return sampleOf(def.in!, key);
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(def.shape ?? {})) {
        const value = sampleOf(field, key);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    case 'array':
      return Array.from({ length: minLength(def) }, () => sampleOf(def.element!));
    case 'tuple':
      return (def.items ?? []).map((item) => sampleOf(item));
    case 'record': {
      // A record keyed by an enum must hold every key; any other record may be empty.
      const keys = defOf(def.keyType!).type === 'enum' ? Object.values(defOf(def.keyType!).entries ?? {}) : [];
      return Object.fromEntries(keys.map((k) => [k, sampleOf(def.valueType!)]));
    }
    case 'map':
      return {};
    case 'set':
      return [];
    case 'union': {
      const samples = (def.options ?? []).map((option) => sampleOf(option, key));
      return firstAccepted(schema, samples);
    }
    case 'intersection':
      return { ...(sampleOf(def.left!) as object), ...(sampleOf(def.right!) as object) };
    default:
      return null;
  }
}

/** The sample parsed by its schema (defaults filled, transforms applied); throws when the walker could not satisfy it. */
function parsedSample(what: string, schema: z.ZodType): unknown {
  const parsed = schema.safeParse(sampleOf(schema));
  if (!parsed.success) throw new Error(`contract-samples: no valid sample for ${what}: ${parsed.error.message}`);
  return parsed.data;
}

export type OpAnswers = { [N in OpName]: OpOutput<N> };
export type SubEvents = { [N in SubName]: SubEvent<N> };

/** One well-formed output per operation of the contract. */
export function sampleAnswers(): OpAnswers {
  return Object.fromEntries(OP_NAMES.map((name) => [name, parsedSample(`${name} output`, contract[name].output)])) as OpAnswers;
}

/** One well-formed event per subscription of the contract. */
export function sampleEvents(): SubEvents {
  return Object.fromEntries(SUB_NAMES.map((name) => [name, parsedSample(`${name} event`, subscriptions[name].event)])) as SubEvents;
}
