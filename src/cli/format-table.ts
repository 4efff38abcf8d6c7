/** A plain aligned text table for terminals: first column left, the rest right-aligned. */
export function formatTable(
  header: string[],
  rows: string[][],
  options: { separatorBefore?: Set<number> } = {},
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  const out = [line(header), rule];
  rows.forEach((r, i) => {
    if (options.separatorBefore?.has(i)) out.push(rule);
    out.push(line(r));
  });
  return `${out.join('\n')}\n`;
}

export const formatCount = (n: number) => Math.round(n).toLocaleString('en-US');

export const formatUsd = (usd: number) =>
  `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
