import {
  applyContractedPricing,
  type ContractedPricing,
  type PriceBasis,
  priceBasisOf,
} from '../pricing/contracted-pricing.ts';
import type { ModelPrice, PriceTable } from '../pricing/price-table.ts';
import { loadContractedPricing } from '../store/contracted-prices.ts';
import type { Db } from '../store/db.ts';

/** The prices behind `list_cost_usd` now, and what they are, for answers to label their figure. */
export interface EffectivePrices {
  table: PriceTable;
  basis: PriceBasis;
  contracted: ContractedPricing & { updated_at: number | null; updated_by: string | null };
}

/**
 * The list table with the admin's contracted prices and residency factor applied. Read from
 * the database on every request (two small reads): a change made on one replica is in the next
 * answer of every replica, with nothing to invalidate.
 */
export async function loadEffectivePrices(db: Db, list: PriceTable): Promise<EffectivePrices> {
  const stored = await loadContractedPricing(db);
  // Validated by contractedPricingSchema before it was written.
  const contracted = { ...stored, models: stored.models as unknown as Record<string, ModelPrice> };
  return { table: applyContractedPricing(list, contracted), basis: priceBasisOf(contracted), contracted };
}

/** What a usage answer says about its `list_cost_usd` (docs/api.md, "Two costs"). */
export function pricingLabel(p: EffectivePrices) {
  return {
    basis: p.basis,
    residency_factor: p.contracted.residency_factor,
    contracted_models: Object.keys(p.contracted.models),
    list_effective: p.table.effective,
  };
}
