import { useId } from 'react';
import type { OpOutput } from '../../api/contract';
import { FieldNotes } from '../../components/Field';
import { Row } from './fields';
import type { Declaration, Errors } from './task-values';
import { labelsText, retryBlocked, type Where } from './where';

type EnrolledNode = OpOutput<'nodes.list'>['nodes'][number];

/**
 * "Retry on another node": offered for read-only tasks placed by labels; for a read-write task it
 * is shown disabled with the reason, so the operator knows why it is not there.
 */
function RetryChoice({
  checked,
  blocked,
  readWrite,
  error,
  onChange,
}: {
  checked: boolean;
  blocked: string | null;
  readWrite: boolean;
  error: string | undefined;
  onChange: (retry: boolean) => void;
}) {
  const id = useId();
  const disabled = readWrite || (blocked !== null && !checked);
  const described = [`${id}-hint`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field run-var">
      <label className="check" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={checked && !readWrite}
          disabled={disabled}
          aria-describedby={described}
          aria-invalid={error ? true : undefined}
          aria-errormessage={error ? `${id}-error` : undefined}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span>Retry on another node if this one stops answering</span>
      </label>
      <FieldNotes
        id={id}
        hint={blocked ?? 'The run starts again on another node with the same labels, recorded as a retry of this one.'}
        error={error}
      />
    </div>
  );
}

/**
 * Where a run goes: labels an enrolled node must carry (starting with the task's own), a named node
 * or any with the labels, and whether to retry on another node.
 */
export function WhereFields({
  decl,
  where,
  labels,
  nodes,
  errors,
  setWhere,
}: {
  decl: Declaration;
  where: Where;
  /** The labels typed, as parsed. */
  labels: Readonly<Record<string, string>>;
  nodes: readonly EnrolledNode[];
  errors: Errors;
  setWhere: (change: (where: Where) => Where) => void;
}) {
  const byLabels = Object.keys(labels).length > 0;
  return (
    <fieldset className="stack">
      <legend>Where it runs</legend>
      <Row
        label="Node labels"
        mono={false}
        required={decl.placement !== null}
        hint={
          decl.placement
            ? `This task's bundle asks for ${labelsText(decl.placement.labels)}: it runs on an enrolled node that carries them. You may add labels, separated by commas.`
            : 'Labels an enrolled node must carry, as key=value separated by commas (for example segment=dc2). Empty: the run goes where Run on says.'
        }
        error={errors.placement}
        control={(aria) => (
          <input
            {...aria}
            type="text"
            className="mono"
            autoComplete="off"
            spellCheck={false}
            value={where.labels}
            placeholder="segment=dc2"
            onChange={(e) => setWhere((w) => ({ ...w, labels: e.target.value }))}
          />
        )}
      />
      <Row
        label="Run on"
        mono={false}
        required={false}
        hint="An enrolled machine runs the task with the same sandbox; a node you name must carry the labels too."
        error={errors.node}
        control={(aria) => (
          <select {...aria} value={where.node} onChange={(e) => setWhere((w) => ({ ...w, node: e.target.value }))}>
            <option value="">{byLabels ? 'Any node with these labels' : 'This workstation'}</option>
            {nodes.map((n) => (
              <option key={n.name} value={n.name}>
                {n.name}
                {n.unreachable ? ' (not answering)' : ''}
              </option>
            ))}
          </select>
        )}
      />
      <RetryChoice
        checked={where.retry}
        blocked={retryBlocked(decl, where, labels)}
        readWrite={decl.access !== 'read-only'}
        error={errors.retry}
        onChange={(retry) => setWhere((w) => ({ ...w, retry }))}
      />
    </fieldset>
  );
}
