import { describe, expect, it } from 'vitest';
import { responseCostUsd } from './calculate-cost.ts';
import { loadShippedPriceTable, type Rates, resolveModelPrice } from './price-table.ts';
import { parsePriceTable } from './price-table-schema.ts';

const table = loadShippedPriceTable();
const priceOf = (model: string) => resolveModelPrice(table, model)?.price;
const tokens = { input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, fast: false };
const cents = (usd: number) => Math.round(usd * 1e8) / 1e8;

describe('the shipped price table', () => {
  it('is valid and dated', () => {
    expect(parsePriceTable(table).effective).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('prices cache writes at 1.25× (5 minutes) and 2× (1 hour) input, cache reads at 0.1× input', () => {
    // Claude 3 Haiku is Anthropic's one published exception ($0.30 / $0.50 / $0.03 on $0.25 input).
    const { 'claude-3-haiku': haiku3, ...rest } = table.models;
    expect(haiku3).toMatchObject({ input: 0.25, cache_write_5m: 0.3, cache_write_1h: 0.5, cache_read: 0.03 });
    const rates: Rates[] = Object.values(rest).flatMap((p) => (p.long_context ? [p, p.long_context] : [p]));
    const ratio = (a: number, b: number) => Math.round((a / b) * 1e6) / 1e6;
    const ratios = rates.map((r) => [
      ratio(r.cache_write_5m, r.input),
      ratio(r.cache_write_1h, r.input),
      ratio(r.cache_read, r.input),
    ]);
    expect(new Set(ratios.map((r) => r.join(',')))).toEqual(new Set(['1.25,2,0.1']));
  });
});

describe('resolving model ids', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['claude-opus-4-6[1m]', 'claude-opus-4-6'],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5'],
    ['anthropic.claude-3-5-haiku-20241022-v1:0', 'claude-3-5-haiku'],
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    ['claude-3-7-sonnet-latest', 'claude-3-7-sonnet'],
    ['claude-opus-4-0', 'claude-opus-4'],
    ['claude-opus-4-20250514', 'claude-opus-4'],
    ['Claude-Haiku-4-5-20251001', 'claude-haiku-4-5'],
  ])('%s → %s', (id, canonical) => {
    expect(resolveModelPrice(table, id)?.model).toBe(canonical);
  });

  it.each(['gpt-4o', 'claude-sonnet-9', '<synthetic>', ''])('gives no invented price to %j', (id) => {
    expect(resolveModelPrice(table, id)).toBeUndefined();
  });
});

describe('the cost of one response', () => {
  it('prices each token type at its rate, 1-hour cache writes at 2× input', () => {
    const sonnet = priceOf('claude-sonnet-4-5-20250929');
    const t = { ...tokens, input: 1000, output: 2000, cacheWrite5m: 3000, cacheWrite1h: 4000, cacheRead: 5000 };
    // 1000×3 + 2000×15 + 3000×3.75 + 4000×6 + 5000×0.3 = 69,750 per million
    expect(cents(responseCostUsd(sonnet!, t))).toBe(0.06975);
    // the same writes all priced as 5-minute ones: 60,750 — 13% less
    expect(cents(responseCostUsd(sonnet!, { ...t, cacheWrite5m: 7000, cacheWrite1h: 0 }))).toBe(0.06075);
  });

  it('uses long-context rates for a request whose whole input exceeds the threshold', () => {
    const sonnet46 = priceOf('claude-sonnet-4-6');
    // 150,000 + 60,000 = 210,000 > 200,000: 150,000×6 + 60,000×0.6 + 1,000×22.5
    expect(cents(responseCostUsd(sonnet46!, { ...tokens, input: 150_000, cacheRead: 60_000, output: 1000 }))).toBe(
      0.9585,
    );
    // exactly 200,000: standard rates, 140,000×3 + 60,000×0.3 + 1,000×15
    expect(cents(responseCostUsd(sonnet46!, { ...tokens, input: 140_000, cacheRead: 60_000, output: 1000 }))).toBe(
      0.453,
    );
  });

  it('multiplies fast-mode requests', () => {
    const opus46 = priceOf('claude-opus-4-6');
    // (1,000×5 + 1,000×25) × 6
    expect(cents(responseCostUsd(opus46!, { ...tokens, input: 1000, output: 1000, fast: true }))).toBe(0.18);
    expect(cents(responseCostUsd(opus46!, { ...tokens, input: 1000, output: 1000 }))).toBe(0.03);
  });
});

describe('installing a price table', () => {
  it('rejects a table that misses a rate, naming the field', () => {
    const broken = structuredClone(table) as unknown as { models: Record<string, Record<string, unknown>> };
    delete broken.models['claude-opus-4-5']?.cache_read;
    expect(() => parsePriceTable(broken)).toThrow(/models\.claude-opus-4-5\.cache_read/);
  });
});
