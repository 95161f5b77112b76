import { memo, useEffect, useMemo, useRef, useState, type ReactElement, type ReactNode, type RefObject } from 'react';
import { nextSort, sortRows, type SortState, type SortValue } from './sort';

/**
 * One column of a table. `cell` draws it; `sortKey` makes its heading a button that sorts by it
 * (numbers numerically, text as people read it); `rowHeader` draws the cell as the row's header, which
 * is what a screen reader announces and what tests find a row by.
 */
export interface Column<Row> {
  id: string;
  header: string;
  cell: (row: Row) => ReactNode;
  rowHeader?: boolean;
  /** Class names of the column's cells (`mono`, `nowrap`). */
  className?: string;
  /** A tooltip per cell, e.g. the full digest of a shortened one. */
  title?: (row: Row) => string | undefined;
  sortKey?: (row: Row) => SortValue;
}

/** Sorting the parent does itself (e.g. on the server, page by page): the table shows the state and asks for changes. */
export interface ControlledSort {
  state: SortState;
  onChange: (next: SortState) => void;
}

export interface DataTableProps<Row> {
  /** The table's accessible name (its <caption>): how screen readers and tests find it. */
  caption: string;
  /** Show the caption above the table; by default it is read, not shown (the card's title says it). */
  captionVisible?: boolean;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  /** Said in the table's body when there are no rows (the headings stay, so the table keeps its shape). */
  empty: ReactNode;
  /** Rows not read yet: the body says so instead of the empty message. */
  loading?: boolean;
  /**
   * Each row's controls, in a last column that stays in view when the table scrolls sideways.
   * Give each control a name that says its row (`aria-label="Remove alice"`). Keep it stable
   * (module level or useCallback): rows are redrawn only when their row or this changes.
   */
  actions?: (row: Row) => ReactNode;
  /** The hidden heading of the actions column. */
  actionsLabel?: string;
  /**
   * More about a row, drawn in a full-width row under it when this returns something (an expanded
   * row: the caller keeps which rows are open and gives the toggle a name and `aria-expanded`). Keep
   * it stable, as `actions`.
   */
  details?: (row: Row) => ReactNode;
  /** Attributes of a row, e.g. `aria-disabled` for a task the policy disables (keep it stable, as `actions`). */
  rowAttributes?: (row: Row) => RowAttributes | undefined;
  dense?: boolean;
  /**
   * Lay the table out from its columns' widths alone (CSS `table-layout: fixed`), set per column
   * through `className` on a `.col-<id>` (and `.col-actions`) of its colgroup: redrawing rows then
   * does not measure every cell again (a 5,000-task filter spent ~30 % less in layout). Cells wrap
   * anywhere; give the table a `min-width` so a narrow window scrolls it sideways instead.
   */
  fixed?: boolean;
  /** Class names of the <table>, e.g. the widths of a `fixed` table's columns. */
  className?: string;
  /** The first sort when the table sorts itself; without it the rows keep the order they came in. */
  initialSort?: SortState;
  /** Take the sorting over (rows then come in the order to show). */
  sort?: ControlledSort;
  /** Above the table: filters, a count of what matches. */
  toolbar?: ReactNode;
  /** Below the table: a pager or "Show more". */
  pager?: ReactNode;
  /**
   * Rows in groups, each a <tbody> named `name(key)` under a heading row (rows of one key are drawn
   * together, groups in the order their first row comes). One table with groups, not one table per
   * group: a filter that changes which groups show then redraws rows, not whole tables.
   */
  groups?: RowGroups<Row>;
}

export interface RowGroups<Row> {
  key: (row: Row) => string;
  /** The group's accessible name (how screen readers and tests find it). */
  name: (key: string) => string;
  /** What the group's heading row shows. */
  heading: (key: string, rows: readonly Row[]) => ReactNode;
}

export interface RowAttributes {
  'aria-disabled'?: boolean;
  title?: string;
}

interface RowProps<Row> {
  row: Row;
  columns: readonly Column<Row>[];
  actions: ((row: Row) => ReactNode) | undefined;
  attributes: ((row: Row) => RowAttributes | undefined) | undefined;
  details: ((row: Row) => ReactNode) | undefined;
}

function DataRowInner<Row>({ row, columns, actions, attributes, details }: RowProps<Row>) {
  const more = details?.(row);
  const width = columns.length + (actions ? 1 : 0);
  return (
    <>
      <tr {...attributes?.(row)} className={more ? 'row-expanded' : undefined}>
        {columns.map((c) => {
          const Cell = c.rowHeader ? 'th' : 'td';
          return (
            <Cell key={c.id} scope={c.rowHeader ? 'row' : undefined} className={c.className} title={c.title?.(row)}>
              {c.cell(row)}
            </Cell>
          );
        })}
        {actions && (
          <td className="cell-actions">
            <div className="row-actions">{actions(row)}</div>
          </td>
        )}
      </tr>
      {more && (
        <tr className="row-details">
          <td colSpan={width}>{more}</td>
        </tr>
      )}
    </>
  );
}

/** Memoised: a narrower filter or a re-sort redraws only rows that changed. */
const DataRow = memo(DataRowInner) as <Row>(props: RowProps<Row>) => ReactElement;

const ARROW = { ascending: '▲', descending: '▼' } as const;

function ColumnHeader<Row>({ column, sort, onSort }: { column: Column<Row>; sort: SortState; onSort: (column: string) => void }) {
  const direction = sort?.column === column.id ? sort.direction : undefined;
  if (!column.sortKey) return <th scope="col">{column.header}</th>;
  return (
    <th scope="col" aria-sort={direction}>
      <button type="button" className="th-sort" onClick={() => onSort(column.id)}>
        {column.header}
        <span className="th-sort-mark" aria-hidden="true">
          {direction ? ARROW[direction] : '↕'}
        </span>
      </button>
    </th>
  );
}

/** Whether the table is wider than its box (it then scrolls sideways and the actions column casts a shadow). */
function useOverflows(wrap: RefObject<HTMLDivElement | null>): boolean {
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const check = () => setOverflows(el.scrollWidth > el.clientWidth + 1);
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    check();
    return () => observer.disconnect();
  }, [wrap]);
  return overflows;
}

/**
 * The app's table: a semantic <table> named by its caption, column headings (sortable where a column
 * has a sort key), a row header per row, an empty state inside the table, row actions that stay in
 * view, and slots for filters above and a pager below.
 */
export function DataTable<Row>(props: DataTableProps<Row>) {
  const {
    caption,
    captionVisible,
    columns,
    rows,
    rowKey,
    empty,
    loading,
    actions,
    actionsLabel = 'Actions',
    rowAttributes,
    details,
    dense,
    fixed,
    className,
    toolbar,
    pager,
    groups,
  } = props;
  const [ownSort, setOwnSort] = useState<SortState>(props.initialSort ?? null);
  const sort = props.sort?.state ?? ownSort;
  const onSort = (column: string) =>
    props.sort ? props.sort.onChange(nextSort(props.sort.state, column)) : setOwnSort(nextSort(ownSort, column));
  const sortColumn = columns.find((c) => c.id === sort?.column);
  const controlled = Boolean(props.sort);
  const shown = useMemo(
    () => (!controlled && sort && sortColumn?.sortKey ? sortRows(rows, sortColumn.sortKey, sort.direction) : rows),
    [controlled, rows, sort, sortColumn],
  );
  const width = columns.length + (actions ? 1 : 0);
  const grouped = useMemo(() => (groups ? groupRows(shown, groups.key) : null), [groups, shown]);
  const wrap = useRef<HTMLDivElement>(null);
  const drawRow = (row: Row) => (
    <DataRow key={rowKey(row)} row={row} columns={columns} actions={actions} attributes={rowAttributes} details={details} />
  );
  const overflows = useOverflows(wrap);
  return (
    <>
      {toolbar}
      <div className="table-wrap" ref={wrap} data-overflows={overflows || undefined}>
        <table
          className={['table', dense && 'table-dense', fixed && 'table-fixed', className].filter(Boolean).join(' ')}
          aria-busy={loading || undefined}
        >
          <caption className={captionVisible ? 'table-caption' : 'visually-hidden'}>{caption}</caption>
          {fixed && (
            <colgroup>
              {columns.map((c) => (
                <col key={c.id} className={`col-${c.id}`} />
              ))}
              {actions && <col className="col-actions" />}
            </colgroup>
          )}
          <thead>
            <tr>
              {columns.map((c) => (
                <ColumnHeader key={c.id} column={c} sort={sort} onSort={onSort} />
              ))}
              {actions && (
                <th scope="col" className="cell-actions">
                  <span className="visually-hidden">{actionsLabel}</span>
                </th>
              )}
            </tr>
          </thead>
          {shown.length === 0 ? (
            <tbody>
              <tr className="table-empty">
                <td colSpan={width}>{loading ? 'Loading…' : empty}</td>
              </tr>
            </tbody>
          ) : grouped && groups ? (
            grouped.map(([key, list]) => (
              <tbody key={key} aria-label={groups.name(key)}>
                <tr className="row-group">
                  <th scope="rowgroup" colSpan={width}>
                    {groups.heading(key, list)}
                  </th>
                </tr>
                {list.map(drawRow)}
              </tbody>
            ))
          ) : (
            <tbody>{shown.map(drawRow)}</tbody>
          )}
        </table>
      </div>
      {pager}
    </>
  );
}

/** Rows by group, groups in the order of their first row, rows in the order they came. */
function groupRows<Row>(rows: readonly Row[], key: (row: Row) => string): [string, Row[]][] {
  const out = new Map<string, Row[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return [...out];
}
