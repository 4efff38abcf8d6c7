import { createRequire } from 'node:module';

type Stringify = typeof import('csv-stringify/sync').stringify;
/**
 * csv-stringify, loaded on first use: `takt report` is one bundle that only --csv needs it
 * in, and resolving and compiling the package on every report cost ~1-2 ms (issue 24.2).
 */
let stringify: Stringify | undefined;

/**
 * Rows as CSV text per RFC 4180 (csv-stringify quotes fields holding a comma, a quote or a
 * line break, doubles quotes, ends lines with CRLF). Numbers are written with `.` decimals and
 * never in exponent notation (a spreadsheet reads 1e-7 as text); null is an empty field.
 * `header`: whether this chunk starts the file (a stream writes the header once).
 */
export function csvText(rows: readonly Record<string, unknown>[], columns: readonly string[], header: boolean): string {
  stringify ??= (createRequire(import.meta.url)('csv-stringify/sync') as { stringify: Stringify }).stringify;
  return stringify(rows as Record<string, unknown>[], {
    header,
    columns: [...columns],
    record_delimiter: '\r\n',
    // With CRLF records a lone LF would go unquoted: quote every field holding either.
    quoted_match: /[\r\n]/,
    cast: { number: plainDecimal, boolean: (b) => (b ? 'true' : 'false') },
  });
}

/** A number in plain decimal notation, at most 10 fractional digits (costs), no trailing zeros. */
export function plainDecimal(n: number): string {
  if (Number.isInteger(n)) return n.toString();
  const s = n.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}
