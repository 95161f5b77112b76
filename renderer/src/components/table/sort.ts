/** Sorting rows by one column: the pure part of the table. */

export type SortDirection = 'ascending' | 'descending';
/** The column a table is sorted by; `null` keeps the order the rows came in. */
export type SortState = { column: string; direction: SortDirection } | null;
/** What a column sorts by: numbers numerically, text as people read it ("run-2" before "run-10"). */
export type SortValue = string | number | null | undefined;

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const hasValue = (v: SortValue): v is string | number => v !== null && v !== undefined && v !== '';

function compare(a: string | number, b: string | number): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b));
}

/** A sorted copy; equal rows keep their order, and rows without a value come last in both directions. */
export function sortRows<Row>(rows: readonly Row[], key: (row: Row) => SortValue, direction: SortDirection): Row[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, value: key(row) }))
    .sort((x, y) => {
      if (!hasValue(x.value) || !hasValue(y.value)) return Number(hasValue(y.value)) - Number(hasValue(x.value)) || x.index - y.index;
      return sign * compare(x.value, y.value) || x.index - y.index;
    })
    .map((k) => k.row);
}

/** The next state when a column's heading is pressed: ascending first, then it flips. */
export function nextSort(current: SortState, column: string): SortState {
  if (current?.column !== column) return { column, direction: 'ascending' };
  return { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
}
