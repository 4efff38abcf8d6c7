import { recordAudit } from '../../audit/record-audit.ts';
import { type Actor, requireAdminActor } from '../../auth/actions/actor.ts';
import type { ContractedPricing } from '../../pricing/contracted-pricing.ts';
import { loadContractedPricing, saveContractedPricing } from '../../store/contracted-prices.ts';
import type { Store } from '../../store/store.ts';

/**
 * An admin replaces the contracted prices and the data-residency factor (PUT
 * /api/admin/prices, `takt pricing contracted set`): permission first, then one transaction
 * with the audit row (`pricing.contracted`, before and after). The input is already validated
 * (pricing/price-table-schema.ts, contractedPricingSchema). Prices are no secrets.
 */
export async function setContractedPricing(
  store: Store,
  actor: Actor,
  input: ContractedPricing & { now: number },
): Promise<void> {
  requireAdminActor(actor);
  await store.transaction(async (trx) => {
    const before = await loadContractedPricing(trx);
    await saveContractedPricing(trx, {
      models: input.models as unknown as Record<string, Record<string, unknown>>,
      residency_factor: input.residency_factor,
      now: input.now,
      by: actor.userId,
    });
    await recordAudit(trx, actor, {
      action: 'pricing.contracted',
      targetType: 'pricing',
      targetId: 'contracted',
      before: { models: before.models, residency_factor: before.residency_factor },
      after: { models: input.models, residency_factor: input.residency_factor },
    });
  });
}
