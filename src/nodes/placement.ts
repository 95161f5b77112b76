/**
 * Placement (docs/remote-engines.md, "Placement"): which enrolled nodes may take a run. A task may
 * name labels in codebundle.yaml (`placement.labels`), the operator may add labels or name a node;
 * a node fits when it carries every label asked for, is not refused, and, for a read-write task,
 * carries the admin's `read-write=allowed`. Labels are admin-sealed state, so only an admin decides
 * where read-write work may go. Pure over the node entries; the runner picks among the fitting ones
 * when a slot is free (least loaded, answering nodes first).
 */
import { ApiError } from '../kernel';
import type { NodeEntry } from './store';

/** The label an admin puts on a node that may run read-write tasks. */
export const READ_WRITE_LABEL = { key: 'read-write', value: 'allowed' } as const;

export interface PlacementNeed {
  /** Labels the node must carry (the task's and the operator's). */
  labels: Readonly<Record<string, string>>;
  access: 'read-only' | 'read-write';
}

const shownLabels = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ') || 'no labels';

/** Why a node does not fit (empty: it fits). */
export function misfit(entry: NodeEntry, need: PlacementNeed): string[] {
  const why: string[] = [];
  if (entry.state === 'refused') why.push('it is refused until an admin re-pins it');
  const lacking = Object.entries(need.labels).filter(([k, v]) => entry.labels[k] !== v);
  if (lacking.length > 0) why.push(`it lacks ${lacking.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (need.access === 'read-write' && entry.labels[READ_WRITE_LABEL.key] !== READ_WRITE_LABEL.value)
    why.push(
      `it is not labelled ${READ_WRITE_LABEL.key}=${READ_WRITE_LABEL.value} (read-write tasks run only where an admin allowed them)`,
    );
  return why;
}

/** Merges the task's labels with the operator's; the operator may add labels, never change the task's. */
export function placementLabels(
  task: Readonly<Record<string, string>>,
  operator: Readonly<Record<string, string>>,
): Record<string, string> {
  for (const [k, v] of Object.entries(operator)) {
    if (k in task && task[k] !== v)
      throw new ApiError('INVALID_INPUT', `The task asks for ${k}=${task[k]}; a run of it cannot be placed on ${k}=${v}.`);
  }
  return { ...task, ...operator };
}

/**
 * The nodes a run may go to: the named one (when it fits), or every fitting node. Refuses with what
 * to do when none fits, naming each node and why.
 */
export function placeRun(entries: readonly NodeEntry[], need: PlacementNeed, named?: string): NodeEntry[] {
  if (named) {
    const entry = entries.find((e) => e.name === named);
    if (!entry) throw new ApiError('NOT_FOUND', `No node named "${named}" is enrolled: check the name against the enrolled nodes.`);
    const why = misfit(entry, need);
    if (why.length > 0) {
      const others = entries.filter((e) => e.name !== named && misfit(e, need).length === 0).map((e) => e.name);
      throw new ApiError(
        'POLICY_DENIED',
        `Node ${named} cannot take this run: ${why.join('; ')}. ${others.length > 0 ? `Nodes that fit: ${others.join(', ')}.` : 'No enrolled node fits; an admin can enrol or label one.'}`,
      );
    }
    return [entry];
  }
  const fit = entries.filter((e) => misfit(e, need).length === 0);
  if (fit.length === 0) {
    const asked = `${shownLabels(need.labels)}${need.access === 'read-write' ? `, ${READ_WRITE_LABEL.key}=${READ_WRITE_LABEL.value}` : ''}`;
    const each = entries.map((e) => `${e.name} (${misfit(e, need).join('; ')})`);
    throw new ApiError(
      'POLICY_DENIED',
      `No enrolled node fits this run (it needs ${asked}). ${each.length > 0 ? `Nodes: ${each.join('; ')}.` : 'No node is enrolled.'} An admin can enrol or label a node, or you can name the node it runs on.`,
    );
  }
  return fit;
}

/**
 * Of the fitting nodes, the one to start on now: a free slot (running < max concurrency), answering
 * nodes before unreachable ones, then the least loaded; null when every one is full.
 */
export function pickNode<T extends { entry: NodeEntry }>(
  candidates: readonly T[],
  running: (node: string) => number,
  unreachable: (node: string) => boolean,
): T | null {
  const free = candidates.filter((c) => running(c.entry.name) < c.entry.maxConcurrency);
  if (free.length === 0) return null;
  const load = (c: T): number => running(c.entry.name) / c.entry.maxConcurrency;
  return [...free].sort((a, b) => Number(unreachable(a.entry.name)) - Number(unreachable(b.entry.name)) || load(a) - load(b))[0]!;
}
