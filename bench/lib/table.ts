/** Plain-text and Markdown tables for bench output. */

export interface Column {
  header: string;
  /** Numbers read best right-aligned. */
  align?: 'left' | 'right';
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  return align === 'right' ? text.padStart(width) : text.padEnd(width);
}

function widths(columns: readonly Column[], rows: readonly (readonly string[])[]): number[] {
  return columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
}

/** A table for a terminal: columns separated by two spaces, a dashed rule under the header. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const width = widths(columns, rows);
  const line = (cells: readonly string[]): string =>
    columns
      .map((column, i) => pad(cells[i] ?? '', width[i] as number, column.align ?? 'left'))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    width.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

/** The same table in GitHub Markdown, to paste into `docs/performance.md`. */
export function renderMarkdownTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const width = widths(columns, rows).map((w) => Math.max(w, 3));
  const line = (cells: readonly string[]): string =>
    `| ${columns.map((column, i) => pad(cells[i] ?? '', width[i] as number, column.align ?? 'left')).join(' | ')} |`;
  const rule = `| ${columns
    .map((column, i) => {
      const dashes = '-'.repeat(width[i] as number);
      return column.align === 'right' ? `${dashes.slice(1)}:` : dashes;
    })
    .join(' | ')} |`;
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join('\n');
}
