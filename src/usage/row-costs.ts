import { compileRates, RATES_PER_MODEL, ratesCostUsd } from '../pricing/calculate-cost.ts';
import { type PriceTable, resolveModelPrice } from '../pricing/price-table.ts';
import { FLAG_FAST, type UsageTable } from '../transcripts/usage-table.ts';

/**
 * The cost of single rows of the transcript table, for the status line (a few hundred rows:
 * pricing each is cheaper than grouping). Here, not in pricing/ or transcripts/: it joins
 * the price table to the transcript table's columns, and usage/ is the room that may import
 * both (neither of those two imports the other).
 */

/** The rates of the table's models, compiled once (compileRates: NaN for a model without a price). */
export function modelRates(table: UsageTable, prices: PriceTable): Float64Array {
  return compileRates(table.models.values.map((m) => resolveModelPrice(prices, m)?.price));
}

/** The cost of one row (NaN: the model has no price). */
export function rowCost(rates: Float64Array, c: UsageTable['columns'], row: number): number {
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
