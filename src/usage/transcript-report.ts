import { RATES_PER_MODEL } from '../pricing/calculate-cost.ts';
import type { PriceTable } from '../pricing/price-table.ts';
import {
  ITERATION_MASK,
  ITERATION_SHIFT,
  ITERATION_TYPES,
  type IterationType,
} from '../transcripts/iteration-types.ts';
import {
  CLASS_FAST,
  CLASS_ITERATION_SHIFT,
  CLASS_LONG,
  LONG_CONTEXT_SPLIT,
  QS_CLASS,
  QS_FIELDS,
  QS_MODEL,
  QS_QUARTER,
  type QuarterSums,
} from '../transcripts/quarter-hour-sums.ts';
import type { UsageTable } from '../transcripts/usage-table.ts';
import { blockRow, blockTotal } from './block-report.ts';
import { GroupSums } from './group-sums.ts';
import { type LocalDate, localDateIn, weekOf } from './local-time.ts';
import type { Report, ReportOptions, ReportRow, Sums } from './report-types.ts';
import { modelRates } from './row-costs.ts';
import { sessionBlocks } from './session-blocks.ts';

/**
 * Builds a report over transcript usage (report-types.ts): selects the rows asked for,
 * groups them by date, week, month, session or 5-hour block, and sums each group
 * (group-sums.ts; blocks in block-report.ts).
 */
export function buildReport(table: UsageTable, prices: PriceTable, options: ReportOptions): Report {
  const rates = modelRates(table, prices);
  const priced = table.models.values.map((_, m) => !Number.isNaN(rates[m * RATES_PER_MODEL]));
  const localDate = localDateIn(options.timeZone);
  if (options.kind === 'daily' || options.kind === 'weekly' || options.kind === 'monthly') {
    // Per hour where every hour falls on one local date, else per quarter hour, else the rows.
    const summed =
      periodsFromQuarterSums(table, table.hourSums, rates, options, localDate) ??
      periodsFromQuarterSums(table, table.quarterSums, rates, options, localDate);
    if (summed !== undefined) {
      return finish(
        periodRows(summed.groups, summed.sums, priced, options),
        summed.sums.row(undefined, priced, false),
        prices,
        options,
        summed.iterations(priced),
      );
    }
  }
  const selected = selectRows(table, options, localDate);
  const sums = new GroupSums(table, rates);
  const rows: Report['rows'] = [];
  if (options.kind === 'blocks') {
    const blocks = sessionBlocks(table, selected, options.now);
    const limit =
      options.tokenLimit === 'max'
        ? Math.max(0, ...blocks.filter((b) => !b.isActive).map((b) => blockTotal(table, b)))
        : options.tokenLimit;
    for (const block of blocks) {
      const group = sums.addGroup();
      sums.addRows(block.rows, new Int32Array(block.rows.length).fill(group));
      rows.push(blockRow(block, sums.row(group, priced, options.breakdown), options.now, limit));
    }
    return finish(
      rows,
      sums.row(undefined, priced, false),
      prices,
      options,
      iterationSums(table, rates, priced, selected),
    );
  }
  const groups = new Map<string, number>();
  const keyOf = groupKey(table, options, localDate);
  const groupOf = new Int32Array(selected.length);
  let lastKey: string | undefined;
  let lastGroup = -1;
  for (let i = 0; i < selected.length; i++) {
    const key = keyOf(selected[i] as number);
    if (key !== lastKey) {
      lastKey = key;
      lastGroup = groupIndex(groups, sums, key);
    }
    groupOf[i] = lastGroup;
  }
  sums.addRows(selected, groupOf);
  if (options.kind === 'session') sums.addTimes(selected, groupOf);
  return finish(
    periodRows(groups, sums, priced, options),
    sums.row(undefined, priced, false),
    prices,
    options,
    iterationSums(table, rates, priced, selected),
  );
}

/** The group of `key` in `sums`, added at its first use. */
function groupIndex(groups: Map<string, number>, sums: GroupSums, key: string): number {
  let group = groups.get(key);
  if (group === undefined) {
    group = sums.addGroup();
    groups.set(key, group);
  }
  return group;
}

/** A report row per group, in date order (sessions: by last activity). */
function periodRows(
  groups: Map<string, number>,
  sums: GroupSums,
  priced: boolean[],
  options: ReportOptions,
): Report['rows'] {
  const rows: Report['rows'] = [];
  const ordered = [...groups.entries()];
  if (options.kind === 'session') ordered.sort((a, b) => (sums.last[a[1]] as number) - (sums.last[b[1]] as number));
  else ordered.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (const [key, group] of ordered) {
    const base = sums.row(group, priced, options.breakdown);
    switch (options.kind) {
      case 'daily':
        rows.push({ date: key, ...base });
        break;
      case 'weekly':
        rows.push({ week: key, ...base });
        break;
      case 'monthly':
        rows.push({ month: key, ...base });
        break;
      case 'session': {
        const [project, session] = key.split('\u0000') as [string, string];
        rows.push({
          session_id: session,
          project,
          first_activity: new Date(sums.first[group] as number).toISOString(),
          last_activity: new Date(sums.last[group] as number).toISOString(),
          ...base,
        });
        break;
      }
      default:
        options.kind satisfies 'blocks';
    }
  }
  return rows;
}

/**
 * The groups of a daily, weekly or monthly report summed from the table's quarter-hour sums
 * (transcripts/quarter-hour-sums.ts) instead of its rows: ~8,500 entries for 90,000 responses.
 * Undefined when they cannot answer exactly, and the rows are summed instead: no sums (the
 * table changed since), a project filter (the sums are not per project), a long-context
 * threshold other than the split the sums were made at, or a quarter hour that is not on one
 * local date (a zone offset that is not a multiple of 15 minutes, or changes within it).
 */
function periodsFromQuarterSums(
  table: UsageTable,
  entries: QuarterSums | undefined,
  rates: Float64Array,
  options: ReportOptions,
  localDate: LocalDate,
): { groups: Map<string, number>; sums: GroupSums; iterations: (priced: boolean[]) => IterationParts } | undefined {
  if (entries === undefined || options.project !== undefined) return undefined;
  const n = entries.numbers;
  // Per model: whether the sums' split at LONG_CONTEXT_SPLIT is this price table's (else no long class).
  const splits: boolean[] = [];
  for (let m = 0; m < table.models.values.length; m++) {
    const threshold = rates[m * RATES_PER_MODEL + 5] as number;
    if (threshold === LONG_CONTEXT_SPLIT) splits.push(true);
    else if (Number.isNaN(threshold) || threshold >= 2 ** 32) splits.push(false);
    else return undefined;
  }
  const count = n.length / QS_FIELDS;
  const sums = new GroupSums(table, rates);
  const groups = new Map<string, number>();
  const groupOf = new Int32Array(count);
  const classOf = new Uint8Array(count);
  let anyIteration = false;
  let lastQuarter = Number.NaN;
  let lastGroup = -1;
  for (let i = 0; i < count; i++) {
    const e = i * QS_FIELDS;
    const quarter = n[e + QS_QUARTER] as number;
    if (quarter !== lastQuarter) {
      lastQuarter = quarter;
      const start = quarter * entries.spanMs;
      const date = localDate(start);
      if (localDate(start + entries.spanMs - 1) !== date) return undefined;
      if (
        (options.since !== undefined && date < options.since) ||
        (options.until !== undefined && date > options.until)
      ) {
        lastGroup = -1;
      } else {
        const key =
          options.kind === 'daily'
            ? date
            : options.kind === 'weekly'
              ? weekOf(date, options.weekStart)
              : date.slice(0, 7);
        let group = groups.get(key);
        if (group === undefined) {
          group = groups.size;
          groups.set(key, group);
        }
        lastGroup = group;
      }
    }
    groupOf[i] = lastGroup;
    const cls = n[e + QS_CLASS] as number;
    const long = (cls & CLASS_LONG) !== 0 && splits[n[e + QS_MODEL] as number] === true;
    classOf[i] = (long ? 2 : 0) + ((cls & CLASS_FAST) !== 0 ? 1 : 0);
    if (lastGroup !== -1 && cls >>> CLASS_ITERATION_SHIFT !== 0) anyIteration = true;
  }
  // The groups, now that their number is known: one allocation for all their sums.
  sums.addGroups(groups.size);
  sums.addQuarterSums(entries, groupOf, classOf);
  const iterations = (priced: boolean[]): IterationParts => {
    if (!anyIteration) return (totals) => (totals.responses > 0 ? { message: totals } : {});
    const parts = new GroupSums(table, rates);
    parts.addGroups(ITERATION_TYPES.length);
    const partOf = new Int32Array(count);
    for (let i = 0; i < count; i++)
      partOf[i] = groupOf[i] === -1 ? -1 : (n[i * QS_FIELDS + QS_CLASS] as number) >>> CLASS_ITERATION_SHIFT;
    parts.addQuarterSums(entries, partOf, classOf);
    return iterationParts(parts, priced);
  };
  return { groups, sums, iterations };
}

type IterationParts = (totals: Sums) => Partial<Record<IterationType, Sums>>;

/** The non-empty parts of GroupSums grouped by iteration type (group i = ITERATION_TYPES[i]). */
function iterationParts(sums: GroupSums, priced: boolean[]): IterationParts {
  const out: Partial<Record<IterationType, Sums>> = {};
  ITERATION_TYPES.forEach((type, group) => {
    const { models: _models, breakdown: _breakdown, ...part } = sums.row(group, priced, false);
    if (part.responses > 0) out[type] = part;
  });
  return () => out;
}

/**
 * The totals by part of a response (`usage.iterations[]` types: message, compaction,
 * advisor_message, other), only the parts present. When no row is an iteration (the common
 * case, one pass over the flags tells) the message part is the totals: no second sum.
 */
function iterationSums(
  table: UsageTable,
  rates: Float64Array,
  priced: boolean[],
  selected: Uint32Array,
): IterationParts {
  const flags = table.columns.flags;
  let any = false;
  for (let i = 0; i < selected.length && !any; i++)
    any = ((flags[selected[i] as number] as number) & ITERATION_MASK) !== 0;
  if (!any) return (totals) => (totals.responses > 0 ? { message: totals } : {});
  const sums = new GroupSums(table, rates);
  sums.addGroups(ITERATION_TYPES.length);
  const groupOf = new Int32Array(selected.length);
  for (let i = 0; i < selected.length; i++)
    groupOf[i] = ((flags[selected[i] as number] as number) & ITERATION_MASK) >>> ITERATION_SHIFT;
  sums.addRows(selected, groupOf);
  return iterationParts(sums, priced);
}

function finish(
  rows: Report['rows'],
  totals: ReportRow,
  prices: PriceTable,
  options: ReportOptions,
  iterations: IterationParts,
): Report {
  const { models: _models, breakdown: _breakdown, ...sums } = totals;
  return {
    schema: 'takt.report/2',
    report: options.kind,
    generated_at: new Date(options.now).toISOString(),
    timezone: options.timeZone,
    since: options.since ?? null,
    until: options.until ?? null,
    project: options.project ?? null,
    price_table: { effective: prices.effective },
    rows,
    totals: sums,
    iterations: iterations(sums),
  };
}

/** The live rows the options ask for, in row order (time order for blocks). */
function selectRows(table: UsageTable, options: ReportOptions, localDate: LocalDate): Uint32Array {
  const projectMatch =
    options.project === undefined
      ? undefined
      : new Set(
          table.projects.values
            .map((p, i) => [p, i] as const)
            .filter(([p]) => p.toLowerCase().includes((options.project as string).toLowerCase()))
            .map(([, i]) => i),
        );
  const byDate = options.since !== undefined || options.until !== undefined;
  const c = table.columns;
  const out = new Uint32Array(table.count);
  let n = 0;
  for (let row = 0; row < table.count; row++) {
    if (!table.isLive(row)) continue;
    if (projectMatch !== undefined && !projectMatch.has(c.project[row] as number)) continue;
    if (byDate) {
      const date = localDate(c.timestampMs[row] as number);
      if (options.since !== undefined && date < options.since) continue;
      if (options.until !== undefined && date > options.until) continue;
    }
    out[n++] = row;
  }
  const selected = out.subarray(0, n);
  // Only blocks need time order (sums do not): sorting 100,000 rows costs ~30 ms.
  if (options.kind === 'blocks') {
    const ts = c.timestampMs;
    selected.sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
  }
  return selected;
}

function groupKey(table: UsageTable, options: ReportOptions, localDate: LocalDate): (row: number) => string {
  const ts = table.columns.timestampMs;
  switch (options.kind) {
    case 'daily':
      return (row) => localDate(ts[row] as number);
    case 'weekly':
      return (row) => weekOf(localDate(ts[row] as number), options.weekStart);
    case 'monthly':
      return (row) => localDate(ts[row] as number).slice(0, 7);
    case 'session':
      return (row) =>
        `${table.projects.values[table.columns.project[row] as number]}\u0000${table.sessions.values[table.columns.session[row] as number]}`;
    case 'blocks':
      throw new Error('blocks are not grouped by key');
    default:
      return options.kind satisfies never;
  }
}
