import type { OpOutput } from '../../api/contract';
import type { Declaration, Errors } from './task-values';

type EnrolledNode = OpOutput<'nodes.list'>['nodes'][number];

/** Where a run goes, as the form holds it: labels as typed, a named node or '', retry on another node. */
export interface Where {
  labels: string;
  node: string;
  retry: boolean;
}

const LABEL_KEY = /^[a-z0-9][a-z0-9._/-]{0,62}$/;
const READ_WRITE = { key: 'read-write', value: 'allowed' } as const;

/** "segment=dc1, rack=12" as typed; the task's own labels written the same way (the form starts with them). */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** The labels typed, or what is wrong with them (the core checks the same). */
export function parseLabels(text: string): { labels: Record<string, string>; error?: string } {
  const labels: Record<string, string> = {};
  for (const part of text.split(/[,\n]/).map((p) => p.trim())) {
    if (!part) continue;
    const at = part.indexOf('=');
    const key = at > 0 ? part.slice(0, at).trim() : '';
    const value = at > 0 ? part.slice(at + 1).trim() : '';
    if (!key || !value) return { labels, error: `"${part}" is not a label: write key=value, for example segment=dc2.` };
    if (!LABEL_KEY.test(key))
      return { labels, error: `"${key}" is not a label key: use lower-case letters, digits, ".", "_", "/" and "-".` };
    if (value.length > 200) return { labels, error: `The value of ${key} is longer than 200 characters.` };
    if (key in labels && labels[key] !== value) return { labels, error: `${key} is given twice (${labels[key]} and ${value}): keep one.` };
    labels[key] = value;
  }
  return { labels };
}

/** Why a node cannot take the run (empty: it fits), as the core's placement says it. */
function misfit(node: EnrolledNode, labels: Readonly<Record<string, string>>, readWrite: boolean): string[] {
  const why: string[] = [];
  const lacking = Object.entries(labels).filter(([k, v]) => node.labels[k] !== v);
  if (lacking.length > 0) why.push(`lacks ${lacking.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (readWrite && node.labels[READ_WRITE.key] !== READ_WRITE.value) why.push('is not allowed to run read-write tasks');
  return why;
}

/** Why a retry on another node cannot be asked for now; null when it can. */
export function retryBlocked(decl: Pick<Declaration, 'access'>, where: Where, labels: Readonly<Record<string, string>>): string | null {
  if (decl.access !== 'read-only')
    return 'Only read-only tasks are retried: a read-write task may already have changed something before its node stopped answering.';
  if (where.node) return 'A run on one named node is not retried: choose "Any node with these labels" under Run on.';
  if (Object.keys(labels).length === 0) return 'Give the labels a node must carry first: a run on this workstation is not retried.';
  return null;
}

/**
 * The placement checks the core makes (src/nodes/placement.ts), shown at the fields: labels well
 * formed and keeping the task's own, a named node that carries them, some enrolled node that fits,
 * and a retry only where one can happen. `nodes` is null while the list is being read.
 */
export function validateWhere(
  decl: Pick<Declaration, 'access' | 'placement'>,
  where: Where,
  nodes: readonly EnrolledNode[] | null,
): Errors {
  const errors: Errors = {};
  const { labels, error } = parseLabels(where.labels);
  if (error) errors.placement = error;
  for (const [k, v] of Object.entries(decl.placement?.labels ?? {})) {
    if (errors.placement) break;
    if (labels[k] !== v) errors.placement = `This task's bundle asks for ${k}=${v}: keep it. You may add labels, not change the task's.`;
  }
  const readWrite = decl.access === 'read-write';
  if (!errors.placement && nodes) {
    const chosen = where.node ? nodes.find((n) => n.name === where.node) : undefined;
    if (chosen) {
      const why = misfit(chosen, labels, readWrite);
      if (why.length > 0) errors.node = `${chosen.name} ${why.join(' and ')}. Choose another node, or change the labels.`;
    } else if (Object.keys(labels).length > 0 && !nodes.some((n) => misfit(n, labels, readWrite).length === 0)) {
      errors.placement = `No enrolled node has ${labelsText(labels)}${readWrite ? ' and may run read-write tasks' : ''}. Change the labels, or ask an admin to label a node.`;
    }
  }
  if (where.retry) {
    const blocked = retryBlocked(decl, where, labels);
    if (blocked) errors.retry = blocked;
  }
  return errors;
}
