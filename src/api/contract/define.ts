import type { z } from 'zod';
import type { Access } from '../permissions';

export interface OpSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType, M extends boolean = boolean> {
  summary: string;
  access: Access;
  input: I;
  output: O;
  /** A call that changes state: exactly one audit event, allowed, refused or failed. Its handler may write; others get the database read-only. */
  mutates: M;
  /** Reads that are audited anyway (ARCHITECTURE.md's closed list). */
  auditRead?: 'always' | 'oncePerSession';
  /** Input fields that hold secrets: never logged, never echoed, never in audit details. */
  secretFields?: readonly string[];
}

export interface SubSpec<I extends z.ZodType = z.ZodType, E extends z.ZodType = z.ZodType> {
  summary: string;
  access: Access;
  input: I;
  event: E;
}

export function op<I extends z.ZodType, O extends z.ZodType, M extends boolean>(spec: OpSpec<I, O, M>): OpSpec<I, O, M> {
  return spec;
}

export function sub<I extends z.ZodType, E extends z.ZodType>(spec: SubSpec<I, E>): SubSpec<I, E> {
  return spec;
}
