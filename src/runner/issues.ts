/**
 * Issues raised by runs, across runs (`issues.list`): a query over the runs table, which the runner
 * owns, with every text a task wrote neutralised for display.
 */
import type { ReadonlyDb } from '../kernel';
import type { RunRecord } from './records';
import { displayLine, displayText } from './text';

export type IssuesFilter = {
  severity?: number | undefined;
  since?: string | undefined;
  bundle?: string | undefined;
  task?: string | undefined;
  latest?: boolean | undefined;
  limit?: number | undefined;
};
interface IssueRunRow {
  id: string;
  bundle_name: string;
  bundle_version: string;
  task_id: string;
  task_title: string;
  created_at: string;
  outcome: RunRecord['outcome'];
  issues: string;
}

const SEVERITY_NAMES = ['critical', 'major', 'minor', 'info'] as const;

/**
 * Issues of the runs that match, flattened with the run each came from, most severe first (then
 * newest). With `latest`, only each bundle's task's last finished run counts: what is still open.
 */
export function issuesAcrossRuns(db: ReadonlyDb, input: IssuesFilter) {
  const where: string[] = [];
  const params: string[] = [];
  if (input.since) {
    where.push('created_at >= ?');
    params.push(new Date(input.since).toISOString());
  }
  if (input.bundle) {
    const [name, version] = input.bundle.split('@', 2);
    where.push('bundle_name = ?');
    params.push(name!);
    if (version) {
      where.push('bundle_version = ?');
      params.push(version);
    }
  }
  if (input.task) {
    where.push('task_id = ?');
    params.push(input.task);
  }
  const filter = where.length ? `AND ${where.join(' AND ')}` : '';
  const columns = 'id, bundle_name, bundle_version, task_id, task_title, created_at, outcome, issues';
  const sql = input.latest
    ? `SELECT ${columns} FROM (SELECT ${columns}, ROW_NUMBER() OVER (PARTITION BY bundle_name, task_id ORDER BY created_at DESC, rowid DESC) AS n
         FROM runs WHERE state = 'finished' ${filter}) WHERE n = 1 AND issues <> '[]' ORDER BY created_at DESC`
    : `SELECT ${columns} FROM runs WHERE issues <> '[]' ${filter} ORDER BY created_at DESC, rowid DESC`;
  const rows = db.prepare(sql).all(...params) as IssueRunRow[];
  const worst = input.severity ?? 4;
  const all = rows.flatMap((r) => {
    const run = {
      id: r.id,
      bundle: { name: r.bundle_name, version: r.bundle_version },
      task: { id: r.task_id, title: displayLine(r.task_title) },
      createdAt: r.created_at,
      outcome: r.outcome,
    };
    return (JSON.parse(r.issues) as RunRecord['issues'])
      .filter((i) => i.severity <= worst)
      .map(
        (i) =>
          ({
            ...Object.fromEntries(Object.entries(i).map(([k, v]) => [k, typeof v === 'string' ? displayText(v) : v])),
            severity: i.severity,
            run,
          }) as RunRecord['issues'][number] & { run: typeof run },
      );
  });
  // Stable: within a severity, newest run first (the rows' order).
  all.sort((a, b) => a.severity - b.severity);
  const counts = { critical: 0, major: 0, minor: 0, info: 0 };
  for (const i of all) counts[SEVERITY_NAMES[i.severity - 1] ?? 'info'] += 1;
  const limit = input.limit ?? 200;
  return { issues: all.slice(0, limit), counts, truncated: all.length > limit };
}
