import type { ModelPrice, PriceTable, Rates } from './price-table.ts';

/**
 * An organization's own prices (issue 21.5). Claude Code's `cost_usd` already uses the
 * organization's contracted prices (from 2.1.243) and a data-residency premium; takt's second
 * figure, `list_cost_usd`, uses the list table unless an admin sets these: a contracted price
 * replaces the table's price of that model whole (its long-context tier and fast multiplier
 * too: a contract that has none has none), and the residency factor multiplies every price,
 * contracted or list. Set through PUT /api/admin/prices; stored in the database (0015).
 */
export interface ContractedPricing {
  /** Model id (as in the price table: lower case, without date or provider decorations) → its price. */
  models: Record<string, ModelPrice>;
  /** Multiplies every price (1.1: a 10 % data-residency premium). 1: none. */
  residency_factor: number;
}

export const noContractedPricing = (): ContractedPricing => ({ models: {}, residency_factor: 1 });

/** `list`: takt's figure is the price table's; `contracted`: an admin's prices or factor are in it. */
export type PriceBasis = 'list' | 'contracted';

export function priceBasisOf(c: ContractedPricing): PriceBasis {
  return Object.keys(c.models).length === 0 && c.residency_factor === 1 ? 'list' : 'contracted';
}

function scaleRates<T extends Rates>(r: T, factor: number): T {
  return {
    ...r,
    input: r.input * factor,
    output: r.output * factor,
    cache_write_5m: r.cache_write_5m * factor,
    cache_write_1h: r.cache_write_1h * factor,
    cache_read: r.cache_read * factor,
  };
}

function scalePrice(p: ModelPrice, factor: number): ModelPrice {
  if (factor === 1) return p;
  return { ...scaleRates(p, factor), ...(p.long_context ? { long_context: scaleRates(p.long_context, factor) } : {}) };
}

/**
 * The price table takt's `list_cost_usd` uses: the list table with the contracted models in
 * place of its own, every price times the residency factor. The same table object when
 * nothing is contracted. An alias named like a contracted model is dropped, so that the
 * contracted price wins for exactly the id the admin named.
 */
export function applyContractedPricing(table: PriceTable, c: ContractedPricing): PriceTable {
  if (priceBasisOf(c) === 'list') return table;
  const models: Record<string, ModelPrice> = {};
  for (const [id, p] of Object.entries(table.models)) models[id] = scalePrice(p, c.residency_factor);
  for (const [id, p] of Object.entries(c.models)) models[id] = scalePrice(p, c.residency_factor);
  const aliases = Object.fromEntries(Object.entries(table.aliases).filter(([alias]) => !(alias in c.models)));
  return { ...table, models, aliases };
}
