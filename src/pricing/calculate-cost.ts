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
  return tokensCostUsd(price, t.input, t.output, t.cacheWrite5m, t.cacheWrite1h, t.cacheRead, t.fast);
}

/** responseCostUsd with the tokens as arguments: reports call it for every row, without an object each. */
export function tokensCostUsd(
  price: ModelPrice,
  input: number,
  output: number,
  cacheWrite5m: number,
  cacheWrite1h: number,
  cacheRead: number,
  fast: boolean,
): number {
  const promptTokens = input + cacheWrite5m + cacheWrite1h + cacheRead;
  const rates =
    price.long_context !== undefined && promptTokens > price.long_context.threshold_tokens ? price.long_context : price;
  const perMillion =
    input * rates.input +
    output * rates.output +
    cacheWrite5m * rates.cache_write_5m +
    cacheWrite1h * rates.cache_write_1h +
    cacheRead * rates.cache_read;
  const multiplier = fast ? (price.fast_multiplier ?? 1) : 1;
  return (perMillion * multiplier) / 1_000_000;
}
