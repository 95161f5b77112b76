/** Pieces of the run screens: badges, issues by severity, the report. All task text is React text. */
import type { ReactNode } from 'react';
import type { OpOutput } from '../../api/contract';
import { Card } from '../../components/PageHeader';

type Details = OpOutput<'runs.show'>;
export type RunSummary = OpOutput<'runs.list'>['runs'][number];

export const SEVERITY: Readonly<Record<number, { label: string; tone: string }>> = {
  1: { label: 'Critical', tone: 'danger' },
  2: { label: 'Major', tone: 'danger' },
  3: { label: 'Minor', tone: 'warning' },
  4: { label: 'Info', tone: 'neutral' },
};

export function severityOf(n: number) {
  return SEVERITY[n] ?? { label: `Severity ${n}`, tone: 'neutral' };
}

/** A task's tags as chips (nothing when it has none). */
export function TagChips({ tags }: { tags: readonly string[] }) {
  if (tags.length === 0) return null;
  return (
    <span className="chips" aria-label="Tags">
      {tags.map((t) => (
        <span key={t} className="chip">
          {t}
        </span>
      ))}
    </span>
  );
}

/** "2 h 05 min", "3 min 20 s", "4.2 s": a run's length as people say it. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * The run's state, or its outcome once finished. A run that succeeded but raised a critical issue
 * is never a plain green "succeeded": it says so, in the warning colour.
 */
export function RunStateBadge({ run }: { run: Pick<RunSummary, 'state' | 'outcome'> & { criticalIssues?: number } }) {
  if (run.state !== 'finished') {
    const tone = run.state === 'awaiting-approval' ? 'warning' : 'info';
    return <span className={`badge badge-${tone}`}>{run.state === 'awaiting-approval' ? 'awaiting approval' : run.state}</span>;
  }
  const critical = run.criticalIssues ?? 0;
  if (run.outcome === 'succeeded' && critical > 0) {
    return (
      <span
        className="badge badge-warning"
        title={`The task finished but raised ${critical} critical ${critical === 1 ? 'issue' : 'issues'}`}
      >
        succeeded, {critical} critical
      </span>
    );
  }
  const tone = run.outcome === 'succeeded' ? 'success' : run.outcome === 'cancelled' ? 'neutral' : 'danger';
  return <span className={`badge badge-${tone}`}>{run.outcome ?? 'finished'}</span>;
}

/** Issues, most severe first; `after` adds to each (the Issues screen links the run it came from). */
export function IssuesList<T extends Details['issueList'][number]>({
  issues,
  after,
  label = 'Issues, most severe first',
}: {
  issues: T[];
  after?: (issue: T) => ReactNode;
  label?: string;
}) {
  if (issues.length === 0) return <p className="empty">No issues raised.</p>;
  const sorted = [...issues].sort((a, b) => a.severity - b.severity);
  return (
    <ol className="issues" aria-label={label}>
      {sorted.map((issue, i) => {
        const sev = severityOf(issue.severity);
        return (
          <li key={i} className={`issue issue-${sev.tone}`}>
            <p className="issue-head">
              <span className={`badge badge-${sev.tone}`}>{sev.label}</span>
              <strong className="issue-title">{issue.title}</strong>
            </p>
            <dl className="facts facts-compact">
              <dt>Expected</dt>
              <dd>{issue.expected}</dd>
              <dt>Actual</dt>
              <dd>{issue.actual}</dd>
              <dt>Next steps</dt>
              <dd className="issue-next">{issue.nextSteps}</dd>
              {issue.reproduceHint && (
                <>
                  <dt>Reproduce</dt>
                  <dd className="mono">{issue.reproduceHint}</dd>
                </>
              )}
            </dl>
            {issue.details && (
              <details>
                <summary>Details</summary>
                <pre className="details-text">{issue.details}</pre>
              </details>
            )}
            {after?.(issue)}
          </li>
        );
      })}
    </ol>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Rows of a table block: JSON array of arrays/objects, else tab- or pipe-separated lines. */
function tableRows(text: string): string[][] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) {
      if (parsed.every((r) => Array.isArray(r)))
        return (parsed as unknown[][]).map((r) => r.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))));
      if (parsed.every((r) => r && typeof r === 'object')) {
        const keys = [...new Set(parsed.flatMap((r) => Object.keys(r as object)))];
        return [
          keys,
          ...parsed.map((r) =>
            keys.map((k) => {
              const v = (r as Record<string, unknown>)[k];
              return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
            }),
          ),
        ];
      }
    }
  } catch {
    /* not JSON: plain lines */
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(line.includes('\t') ? '\t' : '|').map((c) => c.trim()));
}

/**
 * The task's report. Formats are layouts of text: `a` (a link) is shown as its inert text and is
 * never clickable; nothing is parsed as HTML.
 */
export function ReportBlocks({ blocks }: { blocks: Details['report'] }) {
  if (blocks.length === 0) return <p className="empty">The task wrote no report.</p>;
  return (
    <div className="report">
      {blocks.map((b, i) => {
        switch (b.fmt) {
          case 'pre':
          case 'code':
            return (
              <pre key={i} className="code-block">
                {b.obj}
              </pre>
            );
          case 'json':
            return (
              <pre key={i} className="code-block">
                {prettyJson(b.obj)}
              </pre>
            );
          case 'a':
            return (
              <p key={i} className="report-link">
                <span className="badge badge-neutral">link, not opened</span> <span className="mono break">{b.obj}</span>
              </p>
            );
          case 'table': {
            const [head, ...rows] = tableRows(b.obj);
            return (
              <div key={i} className="table-wrap">
                <table className="table table-dense">
                  <thead>
                    <tr>
                      {head?.map((c, j) => (
                        <th key={j} scope="col">
                          {c}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r, j) => (
                      <tr key={j}>
                        {r.map((c, k) => (
                          <td key={k}>{c}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
          }
          default:
            return (
              <p key={i} className="report-p">
                {b.obj}
              </p>
            );
        }
      })}
    </div>
  );
}

export function ReportCard({ blocks }: { blocks: Details['report'] }) {
  return (
    <Card title="Report">
      <ReportBlocks blocks={blocks} />
    </Card>
  );
}
