import type { Report } from './report-types.ts';

/**
 * A report in the shape of "takt.report/1" (`takt report --json --schema 1`), for scripts written
 * against it: there `cost_usd` was the price table's cost. /2 made `cost_usd` Claude Code's own
 * figure (null where transcripts carry none) and named the price table's `list_cost_usd`; turning
 * /1's `cost_usd` into null would have broken its promise that fields are only ever added
 * (docs/reports.md, "From /1 to /2").
 *
 * So: every `cost_usd` of /2 is dropped, and `list_cost_usd` / `list_cost_per_hour_usd` (blocks)
 * take the names `cost_usd` / `cost_per_hour_usd` again, in the same place: the keys and their
 * order are /1's.
 */
export function reportSchema1(report: Report): Record<string, unknown> {
  return { ...(toSchema1(report) as Record<string, unknown>), schema: 'takt.report/1' };
}

const RENAMED: Record<string, string> = {
  list_cost_usd: 'cost_usd',
  list_cost_per_hour_usd: 'cost_per_hour_usd',
};

function toSchema1(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSchema1);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'cost_usd') continue;
    out[RENAMED[key] ?? key] = toSchema1(v);
  }
  return out;
}
