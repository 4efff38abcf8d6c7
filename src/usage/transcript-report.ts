import { classCostUsd, compileRates, RATES_PER_MODEL, ratesCostUsd } from '../pricing/calculate-cost.ts';
import { type PriceTable, resolveModelPrice } from '../pricing/price-table.ts';
import type { UsageTable } from '../transcripts/usage-table.ts';
import { FLAG_FAST } from '../transcripts/usage-table.ts';
import { type LocalDate, localDateIn, weekOf } from './local-time.ts';
import { type SessionBlock, sessionBlocks } from './session-blocks.ts';

/**
 * Reports over transcript usage: daily, weekly, monthly, per session, and 5-hour blocks.
 * The JSON form is a stable schema ("takt.report/1", documented in docs/reports.md):
 * fields are only ever added.
 */

export type ReportKind = 'daily' | 'weekly' | 'monthly' | 'session' | 'blocks';

export interface ReportOptions {
  kind: ReportKind;
  timeZone: string;
  /** Inclusive local dates YYYY-MM-DD. */
  since?: string;
  until?: string;
  breakdown: boolean;
  /** Substring of the project directory name (case-insensitive). */
  project?: string;
  /** 0 = Sunday … 6 = Saturday; weekly reports start weeks on it (default Monday). */
  weekStart: number;
  now: number;
  /** blocks: a token budget per block, or 'max' = the largest earlier block. */
  tokenLimit?: number | 'max';
}

export interface Sums {
  input_tokens: number;
  output_tokens: number;
  cache_creation_tokens: number;
  cache_creation_5m_tokens: number;
  cache_creation_1h_tokens: number;
  cache_read_tokens: number;
  total_tokens: number;
  /** Cost of the priced responses. When unpriced_models is not empty, the true cost is higher. */
  cost_usd: number;
  /** Models with no price in the table: their cost is unknown, not zero. */
  unpriced_models: string[];
  responses: number;
}

export interface ModelSums extends Omit<Sums, 'cost_usd' | 'unpriced_models'> {
  model: string;
  /** null: the model has no price in the table. */
  cost_usd: number | null;
}

export interface ReportRow extends Sums {
  models: string[];
  breakdown?: ModelSums[];
}

export interface Report {
  schema: 'takt.report/1';
  report: ReportKind;
  generated_at: string;
  timezone: string;
  since: string | null;
  until: string | null;
  project: string | null;
  price_table: { effective: string };
  rows: Array<ReportRow & Record<string, unknown>>;
  totals: Sums;
}

/** The rates of the table's models, compiled once (compileRates: NaN for a model without a price). */
export function modelRates(table: UsageTable, prices: PriceTable): Float64Array {
  return compileRates(table.models.values.map((m) => resolveModelPrice(prices, m)?.price));
}

/** The cost of one row (NaN: the model has no price). */
function rowCost(rates: Float64Array, c: UsageTable['columns'], row: number): number {
  return ratesCostUsd(
    rates,
    (c.model[row] as number) * RATES_PER_MODEL,
    c.input[row] as number,
    c.output[row] as number,
    c.cacheWrite5m[row] as number,
    c.cacheWrite1h[row] as number,
    c.cacheRead[row] as number,
    ((c.flags[row] as number) & FLAG_FAST) !== 0,
  );
}

/** The cost of `rows` from index `from` on, rows of models without a price left out (the status line). */
export function sumRowCosts(table: UsageTable, rates: Float64Array, rows: readonly number[], from = 0): number {
  let sum = 0;
  for (let i = from; i < rows.length; i++) {
    const cost = rowCost(rates, table.columns, rows[i] as number);
    if (!Number.isNaN(cost)) sum += cost;
  }
  return sum;
}

/** Price classes of a model: standard or long-context rates (+2), standard or fast mode (+1). */
const CLASSES = 4;
/** Sums per class: input, output, 5-minute writes, 1-hour writes, reads, responses. */
const FIELDS = 6;
/** A long-context threshold above any request (a model without one, or without a price). */
const NO_THRESHOLD = 2 ** 30;

/**
 * Sums per group, model and price class in one flat array of whole numbers, priced once
 * per class at the end (cost is linear within a class): a report adds 100,000 rows in one
 * tight loop that reads small integers only, so V8 allocates nothing per row even before
 * the loop is optimized. A group's totals are the sums of its models'.
 */
class GroupSums {
  readonly models: number;
  readonly sums: number[] = [];
  first: number[] = [];
  last: number[] = [];
  count = 0;
  /** Per model: the request size above which long-context rates apply (small integers). */
  private readonly thresholds: number[];

  constructor(
    private readonly table: UsageTable,
    private readonly rates: Float64Array,
  ) {
    this.models = table.models.values.length;
    this.thresholds = table.models.values.map((_, m) => {
      const t = rates[m * RATES_PER_MODEL + 5] as number;
      return t < NO_THRESHOLD ? t : NO_THRESHOLD;
    });
  }

  addGroup(): number {
    for (let i = this.models * CLASSES * FIELDS; i > 0; i--) this.sums.push(0);
    this.first.push(Number.POSITIVE_INFINITY);
    this.last.push(Number.NEGATIVE_INFINITY);
    return this.count++;
  }

  /** Adds rows to groups: `groupOf[i]` is the group of `rows[i]`. One tight loop. */
  addRows(rows: ArrayLike<number>, groupOf: Int32Array): void {
    const { model, input, output, cacheWrite5m, cacheWrite1h, cacheRead, flags } = this.table.columns;
    const { sums, thresholds, models } = this;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as number;
      const m = model[row] as number;
      const fresh = input[row] as number;
      const w5 = cacheWrite5m[row] as number;
      const w1 = cacheWrite1h[row] as number;
      const read = cacheRead[row] as number;
      const long = fresh + w5 + w1 + read > (thresholds[m] as number) ? 2 : 0;
      const fast = ((flags[row] as number) & FLAG_FAST) === 0 ? 0 : 1;
      const at = (((groupOf[i] as number) * models + m) * CLASSES + long + fast) * FIELDS;
      sums[at] = (sums[at] as number) + fresh;
      sums[at + 1] = (sums[at + 1] as number) + (output[row] as number);
      sums[at + 2] = (sums[at + 2] as number) + w5;
      sums[at + 3] = (sums[at + 3] as number) + w1;
      sums[at + 4] = (sums[at + 4] as number) + read;
      sums[at + 5] = (sums[at + 5] as number) + 1;
    }
  }

  /** First and last activity per group (sessions list them; other reports do not need them). */
  addTimes(rows: ArrayLike<number>, groupOf: Int32Array): void {
    const ts = this.table.columns.timestampMs;
    const { first, last } = this;
    for (let i = 0; i < rows.length; i++) {
      const t = ts[rows[i] as number] as number;
      const group = groupOf[i] as number;
      if (t < (first[group] as number)) first[group] = t;
      if (t > (last[group] as number)) last[group] = t;
    }
  }

  /** Sums of a group (all groups when undefined), with its models and their breakdown rows. */
  row(group: number | undefined, priced: boolean[], breakdown: boolean): ReportRow {
    const total = emptySums();
    const names: string[] = [];
    const perModel: ModelSums[] = [];
    const unpriced = new Set<string>();
    const groups = group === undefined ? this.count : 1;
    const from = group ?? 0;
    for (let m = 0; m < this.models; m++) {
      const part = emptySums();
      for (let g = from; g < from + groups; g++) {
        for (let cls = 0; cls < CLASSES; cls++) {
          const at = ((g * this.models + m) * CLASSES + cls) * FIELDS;
          const s = this.sums;
          const responses = s[at + 5] as number;
          if (responses === 0) continue;
          const fresh = s[at] as number;
          const output = s[at + 1] as number;
          const w5 = s[at + 2] as number;
          const w1 = s[at + 3] as number;
          const read = s[at + 4] as number;
          part.input_tokens += fresh;
          part.output_tokens += output;
          part.cache_creation_5m_tokens += w5;
          part.cache_creation_1h_tokens += w1;
          part.cache_read_tokens += read;
          part.responses += responses;
          const long = (cls & 2) !== 0;
          const fast = (cls & 1) !== 0;
          const cost = classCostUsd(this.rates, m * RATES_PER_MODEL, long, fast, fresh, output, w5, w1, read);
          if (!Number.isNaN(cost)) part.cost_usd += cost; // NaN: the model has no price
        }
      }
      if (part.responses === 0) continue;
      const model = this.table.models.values[m] as string;
      names.push(model);
      if (!priced[m]) unpriced.add(model);
      for (const key of SUM_KEYS) total[key] += part[key];
      if (breakdown) {
        const { unpriced_models: _none, cost_usd, ...rest } = finishSums(part);
        perModel.push({ model, ...rest, cost_usd: priced[m] ? cost_usd : null });
      }
    }
    total.unpriced_models = [...unpriced].sort();
    const order = (a: string, b: string) => (a < b ? -1 : 1);
    const row: ReportRow = { ...finishSums(total), models: names.sort(order) };
    if (breakdown) row.breakdown = perModel.sort((a, b) => order(a.model, b.model));
    return row;
  }
}

const SUM_KEYS = [
  'input_tokens',
  'output_tokens',
  'cache_creation_5m_tokens',
  'cache_creation_1h_tokens',
  'cache_read_tokens',
  'cost_usd',
  'responses',
] as const;

function emptySums(): Sums {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_tokens: 0,
    cache_creation_5m_tokens: 0,
    cache_creation_1h_tokens: 0,
    cache_read_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
    unpriced_models: [],
    responses: 0,
  };
}

function finishSums(s: Sums): Sums {
  const write = s.cache_creation_5m_tokens + s.cache_creation_1h_tokens;
  return {
    input_tokens: s.input_tokens,
    output_tokens: s.output_tokens,
    cache_creation_tokens: write,
    cache_creation_5m_tokens: s.cache_creation_5m_tokens,
    cache_creation_1h_tokens: s.cache_creation_1h_tokens,
    cache_read_tokens: s.cache_read_tokens,
    total_tokens: s.input_tokens + s.output_tokens + write + s.cache_read_tokens,
    cost_usd: roundUsd(s.cost_usd),
    unpriced_models: s.unpriced_models,
    responses: s.responses,
  };
}

const roundUsd = (usd: number) => Math.round(usd * 1e6) / 1e6;

export function buildReport(table: UsageTable, prices: PriceTable, options: ReportOptions): Report {
  const rates = modelRates(table, prices);
  const priced = table.models.values.map((_, m) => !Number.isNaN(rates[m * RATES_PER_MODEL]));
  const localDate = localDateIn(options.timeZone);
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
    return finish(rows, sums.row(undefined, priced, false), prices, options);
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
      let group = groups.get(key);
      if (group === undefined) {
        group = sums.addGroup();
        groups.set(key, group);
      }
      lastGroup = group;
    }
    groupOf[i] = lastGroup;
  }
  sums.addRows(selected, groupOf);
  if (options.kind === 'session') sums.addTimes(selected, groupOf);
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
  return finish(rows, sums.row(undefined, priced, false), prices, options);
}

function finish(rows: Report['rows'], totals: ReportRow, prices: PriceTable, options: ReportOptions): Report {
  const { models: _models, breakdown: _breakdown, ...sums } = totals;
  return {
    schema: 'takt.report/1',
    report: options.kind,
    generated_at: new Date(options.now).toISOString(),
    timezone: options.timeZone,
    since: options.since ?? null,
    until: options.until ?? null,
    project: options.project ?? null,
    price_table: { effective: prices.effective },
    rows,
    totals: sums,
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

function blockTotal(table: UsageTable, block: SessionBlock): number {
  const c = table.columns;
  let total = 0;
  for (const row of block.rows) {
    total +=
      (c.input[row] as number) +
      (c.output[row] as number) +
      (c.cacheWrite5m[row] as number) +
      (c.cacheWrite1h[row] as number) +
      (c.cacheRead[row] as number);
  }
  return total;
}

function blockRow(
  block: SessionBlock,
  base: ReportRow,
  now: number,
  limit: number | undefined,
): ReportRow & Record<string, unknown> {
  const row: ReportRow & Record<string, unknown> = {
    start: new Date(block.start).toISOString(),
    end: new Date(block.end).toISOString(),
    first_activity: new Date(block.firstActivity).toISOString(),
    last_activity: new Date(block.lastActivity).toISOString(),
    is_active: block.isActive,
    estimated: true,
    ...base,
  };
  if (block.isActive) {
    const minutes = (block.lastActivity - block.firstActivity) / 60_000;
    const remainingMinutes = Math.max(0, (block.end - now) / 60_000);
    if (minutes > 0) {
      const tokensPerMinute = base.total_tokens / minutes;
      const costPerHour = (base.cost_usd / minutes) * 60;
      row.burn_rate = {
        tokens_per_minute: Math.round(tokensPerMinute),
        output_tokens_per_minute: Math.round(base.output_tokens / minutes),
        cost_per_hour_usd: roundUsd(costPerHour),
      };
      row.projection = {
        total_tokens: Math.round(base.total_tokens + tokensPerMinute * remainingMinutes),
        cost_usd: roundUsd(base.cost_usd + (costPerHour * remainingMinutes) / 60),
        remaining_minutes: Math.round(remainingMinutes),
      };
    } else {
      row.burn_rate = null;
      row.projection = null;
    }
  }
  if (limit !== undefined && limit > 0) {
    const projection = row.projection as { total_tokens: number } | null | undefined;
    row.token_limit = {
      limit,
      used_percentage: Math.round((base.total_tokens / limit) * 1000) / 10,
      projected_percentage: projection ? Math.round((projection.total_tokens / limit) * 1000) / 10 : null,
      exceeded: base.total_tokens > limit,
    };
  }
  return row;
}
