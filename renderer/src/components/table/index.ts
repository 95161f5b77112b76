export { DataTable, type Column, type ControlledSort, type DataTableProps, type RowAttributes, type RowGroups } from './DataTable';
export { nextSort, sortRows, type SortDirection, type SortState, type SortValue } from './sort';
