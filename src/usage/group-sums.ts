import { classCostUsd, RATES_PER_MODEL } from '../pricing/calculate-cost.ts';
import {
  QS_FIELDS,
  QS_INPUT,
  QS_MODEL,
  QS_OUTPUT,
  QS_READ,
  QS_REPORTED_ROWS,
  QS_RESPONSES,
  QS_WRITE_1H,
  QS_WRITE_5M,
  type QuarterSums,
} from '../transcripts/quarter-hour-sums.ts';
import { FLAG_FAST, type UsageTable } from '../transcripts/usage-table.ts';
import type { ModelSums, ReportRow, Sums } from './report-types.ts';

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
export class GroupSums {
  readonly models: number;
  sums: number[] = [];
  /**
   * Per group and model: the sum of Claude Code's reported `costUSD` and how many rows carried
   * one (doubles, apart from the whole-number sums: only rows with a figure add to them).
   */
  readonly reported: number[] = [];
  readonly reportedRows: number[] = [];
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

  /**
   * `n` groups at once: the first ones in one allocation of their sums (grown push by push, the
   * sums of a year of days were copied a dozen times: ~380 kB of a warm report's young
   * generation, issue 24.2). Holey small integers: still no allocation per row.
   */
  addGroups(n: number): void {
    if (this.sums.length === 0) this.sums = new Array(n * this.models * CLASSES * FIELDS).fill(0);
    for (let g = 0; g < n; g++) this.addGroup();
  }

  addGroup(): number {
    const end = (this.count + 1) * this.models * CLASSES * FIELDS;
    for (let i = this.sums.length; i < end; i++) this.sums.push(0);
    for (let i = this.models; i > 0; i--) {
      this.reported.push(0);
      this.reportedRows.push(0);
    }
    this.first.push(Number.POSITIVE_INFINITY);
    this.last.push(Number.NEGATIVE_INFINITY);
    return this.count++;
  }

  /** Adds rows to groups: `groupOf[i]` is the group of `rows[i]`. One tight loop. */
  addRows(rows: ArrayLike<number>, groupOf: Int32Array): void {
    const { model, input, output, cacheWrite5m, cacheWrite1h, cacheRead, flags, reportedCostUsd } = this.table.columns;
    const { sums, thresholds, models, reported, reportedRows } = this;
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
      const usd = reportedCostUsd[row] as number;
      if (!Number.isNaN(usd)) {
        // the line carried Claude Code's costUSD
        const gm = (groupOf[i] as number) * models + m;
        reported[gm] = (reported[gm] as number) + usd;
        reportedRows[gm] = (reportedRows[gm] as number) + 1;
      }
    }
  }

  /**
   * Adds quarter-hour sums (transcripts/quarter-hour-sums.ts) to groups: `groupOf[i]` is the
   * group of entry i (-1: left out), `classOf[i]` its price class here (long-context × 2 + fast).
   */
  addQuarterSums(entries: QuarterSums, groupOf: Int32Array, classOf: Uint8Array): void {
    const { sums, models, reported, reportedRows } = this;
    const n = entries.numbers;
    for (let i = 0; i < groupOf.length; i++) {
      const group = groupOf[i] as number;
      if (group === -1) continue;
      const e = i * QS_FIELDS;
      const gm = group * models + (n[e + QS_MODEL] as number);
      const at = (gm * CLASSES + (classOf[i] as number)) * FIELDS;
      sums[at] = (sums[at] as number) + (n[e + QS_INPUT] as number);
      sums[at + 1] = (sums[at + 1] as number) + (n[e + QS_OUTPUT] as number);
      sums[at + 2] = (sums[at + 2] as number) + (n[e + QS_WRITE_5M] as number);
      sums[at + 3] = (sums[at + 3] as number) + (n[e + QS_WRITE_1H] as number);
      sums[at + 4] = (sums[at + 4] as number) + (n[e + QS_READ] as number);
      sums[at + 5] = (sums[at + 5] as number) + (n[e + QS_RESPONSES] as number);
      const withCost = n[e + QS_REPORTED_ROWS] as number;
      if (withCost > 0) {
        reported[gm] = (reported[gm] as number) + (entries.reported[i] as number);
        reportedRows[gm] = (reportedRows[gm] as number) + withCost;
      }
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
    let totalReportedRows = 0;
    const names: string[] = [];
    const perModel: ModelSums[] = [];
    const unpriced = new Set<string>();
    const groups = group === undefined ? this.count : 1;
    const from = group ?? 0;
    for (let m = 0; m < this.models; m++) {
      const part = emptySums();
      let partReportedRows = 0;
      for (let g = from; g < from + groups; g++) {
        partReportedRows += this.reportedRows[g * this.models + m] as number;
        part.reported += this.reported[g * this.models + m] as number;
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
          if (!Number.isNaN(cost)) part.list += cost; // NaN: the model has no price
        }
      }
      if (part.responses === 0) continue;
      const model = this.table.models.values[m] as string;
      names.push(model);
      if (!priced[m]) unpriced.add(model);
      for (const key of SUM_KEYS) total[key] += part[key];
      totalReportedRows += partReportedRows;
      if (breakdown) {
        const { unpriced_models: _none, list_cost_usd, ...rest } = finishSums(part, partReportedRows);
        perModel.push({ model, ...rest, list_cost_usd: priced[m] ? list_cost_usd : null });
      }
    }
    total.unpriced_models = [...unpriced].sort();
    const order = (a: string, b: string) => (a < b ? -1 : 1);
    const row: ReportRow = { ...finishSums(total, totalReportedRows), models: names.sort(order) };
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
  'reported',
  'list',
  'responses',
] as const;

/** Sums being added up: the two costs as plain numbers until finishSums. */
interface OpenSums extends Omit<Sums, 'cost_usd' | 'list_cost_usd'> {
  reported: number;
  list: number;
}

function emptySums(): OpenSums {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_tokens: 0,
    cache_creation_5m_tokens: 0,
    cache_creation_1h_tokens: 0,
    cache_read_tokens: 0,
    total_tokens: 0,
    reported: 0,
    list: 0,
    unpriced_models: [],
    responses: 0,
  };
}

/** `reportedRows`: the responses that carried a reported cost (none: cost_usd is null). */
function finishSums(s: OpenSums, reportedRows: number): Sums {
  const write = s.cache_creation_5m_tokens + s.cache_creation_1h_tokens;
  return {
    input_tokens: s.input_tokens,
    output_tokens: s.output_tokens,
    cache_creation_tokens: write,
    cache_creation_5m_tokens: s.cache_creation_5m_tokens,
    cache_creation_1h_tokens: s.cache_creation_1h_tokens,
    cache_read_tokens: s.cache_read_tokens,
    total_tokens: s.input_tokens + s.output_tokens + write + s.cache_read_tokens,
    cost_usd: reportedRows === 0 ? null : roundUsd(s.reported),
    list_cost_usd: roundUsd(s.list),
    unpriced_models: s.unpriced_models,
    responses: s.responses,
  };
}

export const roundUsd = (usd: number) => Math.round(usd * 1e6) / 1e6;
