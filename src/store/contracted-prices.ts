import type { Db } from './db.ts';

/** A model's price as stored: the price table's model shape (pricing/price-table.ts), validated before it was written. */
export type StoredModelPrice = Record<string, unknown>;

/** The contracted pricing as stored (migration 0015); factor 1 and no models when never set. */
export interface StoredContractedPricing {
  models: Record<string, StoredModelPrice>;
  residency_factor: number;
  updated_at: number | null;
  updated_by: string | null;
}

const SETTINGS_ID = 'default';

export async function loadContractedPricing(db: Db): Promise<StoredContractedPricing> {
  const [rows, settings] = await Promise.all([
    db.selectFrom('contracted_prices').select(['model', 'price']).orderBy('model').execute(),
    db.selectFrom('pricing_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst(),
  ]);
  return {
    models: Object.fromEntries(rows.map((r) => [r.model, JSON.parse(r.price) as StoredModelPrice])),
    residency_factor: settings ? Number(settings.residency_factor) : 1,
    updated_at: settings ? Number(settings.updated_at) : null,
    updated_by: settings?.updated_by ?? null,
  };
}

/** Replaces the whole contracted pricing (call it in the transaction that audits the change). */
export async function saveContractedPricing(
  db: Db,
  p: { models: Record<string, StoredModelPrice>; residency_factor: number; now: number; by: string | null },
): Promise<void> {
  await db.deleteFrom('contracted_prices').execute();
  const rows = Object.entries(p.models).map(([model, price]) => ({ model, price: JSON.stringify(price) }));
  if (rows.length > 0) await db.insertInto('contracted_prices').values(rows).execute();
  await db
    .insertInto('pricing_settings')
    .values({ id: SETTINGS_ID, residency_factor: p.residency_factor, updated_at: p.now, updated_by: p.by })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ residency_factor: p.residency_factor, updated_at: p.now, updated_by: p.by }),
    )
    .execute();
}
