import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ScrollRegion } from './scroll-region.tsx';

/**
 * One column of a DataTable. `align` sets the header and the cells alike, so a header always
 * sits over its column's text (issue 19: admin headers sat off their columns).
 */
export interface Column<T> {
  header: string;
  /** A muted note after the header ("Claude Code / list price"). */
  headerNote?: ComponentChildren;
  /** 'left' for text; 'right' for numbers, times and amounts (kept on one line in `fit` tables). */
  align: 'left' | 'right';
  /** The cell that names the row (a `th scope="row"`), for screen readers. */
  rowHeader?: boolean;
  /** More classes for the column's cells: 'mono', 'actions'. */
  cellClass?: string;
  cell: (row: T) => ComponentChildren;
  title?: (row: T) => string | undefined;
  /** Makes the column sortable by this value: a button in its header, the order in aria-sort. */
  sortBy?: (row: T) => number | string;
}

type Order = { column: number; direction: 'ascending' | 'descending' };

/**
 * The dashboard's table: a caption, column headers, a row per item, inside a ScrollRegion (it
 * scrolls sideways on a narrow screen and takes keyboard focus). Sorting happens in the page over
 * the rows it was given: the first click on a header sorts descending (largest, latest first).
 */
export function DataTable<T>(props: {
  /** The scroll region's name ("Sessions table"). */
  label: string;
  caption: string;
  testId: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  /** Classes of the table ('fit': text wraps so the table fits a laptop's width). */
  class?: string;
  /** Classes of the scroll region (e.g. one a media query hides on phones). */
  regionClass?: string;
}) {
  const [order, setOrder] = useState<Order | undefined>();
  const sortBy = order === undefined ? undefined : props.columns[order.column]?.sortBy;
  const rows =
    order === undefined || sortBy === undefined
      ? props.rows
      : [...props.rows].sort((a, b) => {
          const x = sortBy(a);
          const y = sortBy(b);
          const c = x < y ? -1 : x > y ? 1 : 0;
          return order.direction === 'ascending' ? c : -c;
        });
  const toggle = (column: number) =>
    setOrder((o) =>
      o?.column === column && o.direction === 'descending'
        ? { column, direction: 'ascending' }
        : { column, direction: 'descending' },
    );
  const alignClass = (c: Column<T>) => (c.align === 'left' ? 'left' : 'num');
  return (
    <ScrollRegion label={props.label} class={props.regionClass}>
      <table data-testid={props.testId} class={props.class}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c, i) => (
              <th
                key={c.header}
                scope="col"
                // Numbers' cells keep to one line ('num'); their headers may wrap.
                class={c.align === 'left' ? 'left' : undefined}
                aria-sort={c.sortBy ? (order?.column === i ? order.direction : 'none') : undefined}
              >
                {c.sortBy ? (
                  <button type="button" class="sort" onClick={() => toggle(i)}>
                    {c.header}
                  </button>
                ) : (
                  c.header
                )}
                {c.headerNote === undefined ? null : (
                  <>
                    {' '}
                    <span class="muted">{c.headerNote}</span>
                  </>
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((c) => {
                const cls = c.cellClass ? `${alignClass(c)} ${c.cellClass}` : alignClass(c);
                const title = c.title?.(row);
                return c.rowHeader ? (
                  <th key={c.header} scope="row" class={cls} title={title}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={c.header} class={cls} title={title}>
                    {c.cell(row)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
