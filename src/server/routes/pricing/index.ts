import type { Hono } from 'hono';
import { setContractedPricing } from '../../../billing/actions/set-contracted-pricing.ts';
import { type EffectivePrices, loadEffectivePrices } from '../../../billing/effective-prices.ts';
import { contractedPricingSchema } from '../../../pricing/price-table-schema.ts';
import type { AppContext } from '../../app-context.ts';
import { requireAdmin } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';

/** The answer of GET and PUT /api/admin/prices (docs/api.md, "Admin: contracted prices"). */
function pricesView(p: EffectivePrices, list: AppContext['prices']) {
  return {
    basis: p.basis,
    models: p.contracted.models,
    residency_factor: p.contracted.residency_factor,
    updated_at: p.contracted.updated_at === null ? null : new Date(p.contracted.updated_at).toISOString(),
    updated_by: p.contracted.updated_by,
    list: { effective: list.effective, source: list.source, models: Object.keys(list.models) },
  };
}

/**
 * Contracted prices and the data-residency factor behind every `list_cost_usd`: an admin reads
 * and replaces them; members get 403 (they see the basis in each usage answer's `pricing`).
 */
export function registerPricingRoutes(app: Hono, ctx: AppContext): void {
  app.get('/api/admin/prices', async (c) => {
    await requireAdmin(c, ctx);
    return c.json(pricesView(await loadEffectivePrices(ctx.store.db, ctx.prices), ctx.prices));
  });

  /** PUT replaces the whole set: `{"models": {}, "residency_factor": 1}` goes back to list prices. */
  app.put('/api/admin/prices', async (c) => {
    const actor = await requireAdmin(c, ctx, { write: true });
    const body = await readJson(c, contractedPricingSchema);
    await setContractedPricing(ctx.store, { ...actor, admin: true }, { ...body, now: Date.now() });
    return c.json(pricesView(await loadEffectivePrices(ctx.store.db, ctx.prices), ctx.prices));
  });
}
