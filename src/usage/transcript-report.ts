import { responseCostUsd } from '../pricing/calculate-cost.ts';
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

/** Cost of every row of the table (NaN: the model has no price), computed once per report. */
export function rowCosts(table: UsageTable, prices: PriceTable): Float64Array {
  const costOf = rowCostFunction(table, prices);
  const costs = new Float64Array(table.count);
  for (let row = 0; row < table.count; row++) costs[row] = costOf(row);
  return costs;
}

/** The cost of one row (NaN: the model has no price): for callers that need only a few rows. */
export function rowCostFunction(table: UsageTable, prices: PriceTable): (row: number) => number {
  const byModel = table.models.values.map((m) => resolveModelPrice(prices, m)?.price);
  const c = table.columns;
  return (row) => {
    const price = byModel[c.model[row] as number];
    return price === undefined
      ? Number.NaN
      : responseCostUsd(price, {
          input: c.input[row] as number,
          output: c.output[row] as number,
          cacheWrite5m: c.cacheWrite5m[row] as number,
          cacheWrite1h: c.cacheWrite1h[row] as number,
          cacheRead: c.cacheRead[row] as number,
          fast: ((c.flags[row] as number) & FLAG_FAST) !== 0,
        });
  };
}

class Accumulator {
  input = 0;
  output = 0;
  write5m = 0;
  write1h = 0;
  read = 0;
  cost = 0;
  responses = 0;
  readonly unpriced = new Set<string>();
  readonly models = new Map<number, Accumulator>();
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;

  add(table: UsageTable, costs: Float64Array, row: number, perModel: boolean): void {
    const c = table.columns;
    this.input += c.input[row] as number;
    this.output += c.output[row] as number;
    this.write5m += c.cacheWrite5m[row] as number;
    this.write1h += c.cacheWrite1h[row] as number;
    this.read += c.cacheRead[row] as number;
    const cost = costs[row] as number;
    const model = c.model[row] as number;
    if (Number.isNaN(cost)) this.unpriced.add(table.models.values[model] as string);
    else this.cost += cost;
    this.responses++;
    const ts = c.timestampMs[row] as number;
    if (ts < this.first) this.first = ts;
    if (ts > this.last) this.last = ts;
    if (perModel) {
      let m = this.models.get(model);
      if (m === undefined) {
        m = new Accumulator();
        this.models.set(model, m);
      }
      m.add(table, costs, row, false);
    }
  }

  sums(): Sums {
    return {
      input_tokens: this.input,
      output_tokens: this.output,
      cache_creation_tokens: this.write5m + this.write1h,
      cache_creation_5m_tokens: this.write5m,
      cache_creation_1h_tokens: this.write1h,
      cache_read_tokens: this.read,
      total_tokens: this.input + this.output + this.write5m + this.write1h + this.read,
      cost_usd: roundUsd(this.cost),
      unpriced_models: [...this.unpriced].sort(),
      responses: this.responses,
    };
  }

  row(table: UsageTable, breakdown: boolean): ReportRow {
    const models = [...this.models.entries()]
      .map(([id, acc]) => ({ model: table.models.values[id] as string, acc }))
      .sort((a, b) => (a.model < b.model ? -1 : 1));
    const row: ReportRow = { ...this.sums(), models: models.map((m) => m.model) };
    if (breakdown) {
      row.breakdown = models.map(({ model, acc }) => {
        const { unpriced_models, cost_usd, ...rest } = acc.sums();
        return { model, ...rest, cost_usd: unpriced_models.length > 0 ? null : cost_usd };
      });
    }
    return row;
  }
}

const roundUsd = (usd: number) => Math.round(usd * 1e6) / 1e6;

export function buildReport(table: UsageTable, prices: PriceTable, options: ReportOptions): Report {
  const costs = rowCosts(table, prices);
  const localDate = localDateIn(options.timeZone);
  const selected = selectRows(table, options, localDate);
  const totals = new Accumulator();
  const rows: Report['rows'] = [];
  if (options.kind === 'blocks') {
    const blocks = sessionBlocks(table, selected, options.now);
    const limit =
      options.tokenLimit === 'max'
        ? Math.max(0, ...blocks.filter((b) => !b.isActive).map((b) => blockTotal(table, b)))
        : options.tokenLimit;
    for (const block of blocks) {
      const acc = new Accumulator();
      for (const row of block.rows) {
        acc.add(table, costs, row, true);
        totals.add(table, costs, row, false);
      }
      rows.push(blockRow(block, acc.row(table, options.breakdown), options.now, limit));
    }
    return finish(rows, totals, table, prices, options);
  }
  const groups = new Map<string, Accumulator>();
  const keyOf = groupKey(table, options, localDate);
  for (const row of selected) {
    const key = keyOf(row);
    let acc = groups.get(key);
    if (acc === undefined) {
      acc = new Accumulator();
      groups.set(key, acc);
    }
    acc.add(table, costs, row, true);
    totals.add(table, costs, row, false);
  }
  const ordered = [...groups.entries()];
  if (options.kind === 'session') ordered.sort((a, b) => a[1].last - b[1].last);
  else ordered.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (const [key, acc] of ordered) {
    const base = acc.row(table, options.breakdown);
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
          first_activity: new Date(acc.first).toISOString(),
          last_activity: new Date(acc.last).toISOString(),
          ...base,
        });
        break;
      }
      default:
        options.kind satisfies 'blocks';
    }
  }
  return finish(rows, totals, table, prices, options);
}

function finish(
  rows: Report['rows'],
  totals: Accumulator,
  _table: UsageTable,
  prices: PriceTable,
  options: ReportOptions,
): Report {
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
    totals: totals.sums(),
  };
}

function selectRows(table: UsageTable, options: ReportOptions, localDate: LocalDate): number[] {
  const projectMatch =
    options.project === undefined
      ? undefined
      : new Set(
          table.projects.values
            .map((p, i) => [p, i] as const)
            .filter(([p]) => p.toLowerCase().includes((options.project as string).toLowerCase()))
            .map(([, i]) => i),
        );
  const c = table.columns;
  const out: number[] = [];
  for (let row = 0; row < table.count; row++) {
    if (!table.isLive(row)) continue;
    if (projectMatch !== undefined && !projectMatch.has(c.project[row] as number)) continue;
    if (options.since !== undefined || options.until !== undefined) {
      const date = localDate(c.timestampMs[row] as number);
      if (options.since !== undefined && date < options.since) continue;
      if (options.until !== undefined && date > options.until) continue;
    }
    out.push(row);
  }
  out.sort((a, b) => (c.timestampMs[a] as number) - (c.timestampMs[b] as number));
  return out;
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
