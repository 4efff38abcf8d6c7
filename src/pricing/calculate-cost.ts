import type { ModelPrice } from './price-table.ts';

/** The tokens of one API response, with the cache writes split by lifetime. */
export interface ResponseTokens {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  /** Fast mode ("speed": "fast"). */
  fast: boolean;
}

/**
 * The cost in USD of one API response. Long-context rates apply per request, when
 * the request's whole input (fresh input + cache writes + cache reads) exceeds the
 * model's threshold — which is why cost is computed per response, not on sums.
 */
export function responseCostUsd(price: ModelPrice, t: ResponseTokens): number {
  return ratesCostUsd(compileRates([price]), 0, t.input, t.output, t.cacheWrite5m, t.cacheWrite1h, t.cacheRead, t.fast);
}

/** Numbers per model in a compiled rate table. */
export const RATES_PER_MODEL = 12;

/**
 * Prices of several models as one flat array, RATES_PER_MODEL numbers each (standard rates,
 * the long-context threshold, long-context rates, the fast multiplier); NaN for a model
 * without a price. Reports price 100,000 responses in one tight loop over it.
 */
export function compileRates(prices: ReadonlyArray<ModelPrice | undefined>): Float64Array {
  const rates = new Float64Array(prices.length * RATES_PER_MODEL).fill(Number.NaN);
  prices.forEach((p, i) => {
    if (p === undefined) return;
    const lc = p.long_context ?? { ...p, threshold_tokens: Number.POSITIVE_INFINITY };
    rates.set(
      [
        p.input,
        p.output,
        p.cache_write_5m,
        p.cache_write_1h,
        p.cache_read,
        lc.threshold_tokens,
        lc.input,
        lc.output,
        lc.cache_write_5m,
        lc.cache_write_1h,
        lc.cache_read,
        p.fast_multiplier ?? 1,
      ],
      i * RATES_PER_MODEL,
    );
  });
  return rates;
}

/** The cost in USD of one response of the model whose rates start at `at` (NaN: no price). */
export function ratesCostUsd(
  rates: Float64Array,
  at: number,
  input: number,
  output: number,
  cacheWrite5m: number,
  cacheWrite1h: number,
  cacheRead: number,
  fast: boolean,
): number {
  const long = input + cacheWrite5m + cacheWrite1h + cacheRead > (rates[at + 5] as number);
  return classCostUsd(rates, at, long, fast, input, output, cacheWrite5m, cacheWrite1h, cacheRead);
}

/**
 * The cost in USD of tokens summed over responses of one price class: standard or
 * long-context rates, standard or fast mode. Within a class cost is linear in tokens, so
 * a report prices its sums per class instead of every response (NaN: no price).
 */
export function classCostUsd(
  rates: Float64Array,
  at: number,
  long: boolean,
  fast: boolean,
  input: number,
  output: number,
  cacheWrite5m: number,
  cacheWrite1h: number,
  cacheRead: number,
): number {
  const base = long ? at + 6 : at;
  const perMillion =
    input * (rates[base] as number) +
    output * (rates[base + 1] as number) +
    cacheWrite5m * (rates[base + 2] as number) +
    cacheWrite1h * (rates[base + 3] as number) +
    cacheRead * (rates[base + 4] as number);
  return (fast ? perMillion * (rates[at + 11] as number) : perMillion) / 1_000_000;
}
