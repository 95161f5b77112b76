import { useState } from 'react';
import { useOp } from '../../api/use-op';
import type { OpInput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice } from '../../components/Notice';
import { formatTime } from '../../format';
import { IssuesList, severityOf } from './run-parts';

const SINCE: ReadonlyArray<[string, number | null]> = [
  ['Any time', null],
  ['Last 24 hours', 1],
  ['Last 7 days', 7],
  ['Last 30 days', 30],
];

/**
 * Issues across runs (`issues.list`), most severe first, each with its next steps and a link to the
 * run that raised it. "Still open" keeps only each task's latest finished run.
 */
export function IssuesScreen() {
  const [severity, setSeverity] = useState(4);
  const [days, setDays] = useState<number | null>(null);
  const [bundle, setBundle] = useState('');
  const [task, setTask] = useState('');
  const [latest, setLatest] = useState(true);
  // The day boundary is fixed when the filter is chosen, so the query does not change every render.
  const [since, setSince] = useState<string | undefined>(undefined);
  const input: OpInput<'issues.list'> = {
    severity,
    latest,
    limit: 500,
    ...(since ? { since } : {}),
    ...(bundle.trim() ? { bundle: bundle.trim() } : {}),
    ...(task.trim() ? { task: task.trim() } : {}),
  };
  const list = useOp('issues.list', input);
  const data = list.data;
  const counts = data ? [data.counts.critical, data.counts.major, data.counts.minor, data.counts.info] : [0, 0, 0, 0];
  return (
    <>
      <PageHeader
        title="Issues"
        description="What tasks found, across runs: most severe first, with the next steps and the run that raised each."
      />
      <div className="stack-gap">
        <Card title="Filter">
          <div className="grid grid-3">
            <div className="field">
              <label htmlFor="issues-severity">At least as severe as</label>
              <select id="issues-severity" value={severity} onChange={(e) => setSeverity(Number(e.target.value))}>
                {[1, 2, 3, 4].map((s) => (
                  <option key={s} value={s}>
                    {severityOf(s).label}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="issues-since">Runs from</label>
              <select
                id="issues-since"
                value={days ?? ''}
                onChange={(e) => {
                  const d = e.target.value ? Number(e.target.value) : null;
                  setDays(d);
                  setSince(d === null ? undefined : new Date(Date.now() - d * 86_400_000).toISOString());
                }}
              >
                {SINCE.map(([label, d]) => (
                  <option key={label} value={d ?? ''}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
            <label className="check">
              <input type="checkbox" checked={latest} onChange={(e) => setLatest(e.target.checked)} />
              <span>
                <span className="check-label">Still open</span>
                <span className="check-hint">Only each task’s latest finished run</span>
              </span>
            </label>
            <div className="field">
              <label htmlFor="issues-bundle">Bundle</label>
              <input
                id="issues-bundle"
                className="mono"
                value={bundle}
                onChange={(e) => setBundle(e.target.value)}
                placeholder="name or name@version"
              />
            </div>
            <div className="field">
              <label htmlFor="issues-task">Task id</label>
              <input id="issues-task" className="mono" value={task} onChange={(e) => setTask(e.target.value)} />
            </div>
          </div>
        </Card>
        <Card title="Issues found">
          <ErrorNotice error={list.error} />
          <ul className="severity-list" aria-label="Issue counts by severity">
            {counts.map((n, i) => (
              <li key={i}>
                <span className={`badge badge-${severityOf(i + 1).tone}`}>{severityOf(i + 1).label}</span> <strong>{n}</strong>
              </li>
            ))}
          </ul>
          {data && (
            <IssuesList
              issues={data.issues}
              label="Issues across runs, most severe first"
              after={(issue) => (
                <p className="muted">
                  From <a href={`#/runs/${issue.run.id}`}>{issue.run.id}</a> · {issue.run.task.title} ({issue.run.bundle.name}{' '}
                  {issue.run.bundle.version}) · {formatTime(issue.run.createdAt)}
                </p>
              )}
            />
          )}
          {data?.truncated && <p className="muted">Showing the first {data.issues.length}; narrow the filter to see the rest.</p>}
        </Card>
      </div>
    </>
  );
}
