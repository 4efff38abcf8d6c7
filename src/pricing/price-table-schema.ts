import { z } from 'zod';
import type { PriceTable } from './price-table.ts';

const perMillion = z.number().nonnegative('prices are USD per million tokens, never negative');

const rates = {
  input: perMillion,
  output: perMillion,
  cache_write_5m: perMillion,
  cache_write_1h: perMillion,
  cache_read: perMillion,
};

const priceTableSchema = z
  .object({
    schema: z.literal(1, 'schema must be 1'),
    effective: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'effective must be the date of the prices, YYYY-MM-DD'),
    currency: z.literal('USD', 'currency must be USD'),
    unit: z.string().default('per million tokens'),
    source: z.string().default(''),
    models: z.record(
      z.string().min(1),
      z.object({
        ...rates,
        long_context: z.object({ threshold_tokens: z.number().int().positive(), ...rates }).optional(),
        fast_multiplier: z.number().positive().optional(),
      }),
    ),
    aliases: z.record(z.string(), z.string()).default({}),
  })
  .refine((t) => Object.keys(t.models).length > 0, 'models must list at least one model')
  .refine(
    (t) => Object.values(t.aliases).every((target) => target in t.models),
    'every alias must point to a model listed in models',
  );

/** Validates a price table given to `takt pricing update`; the message names the bad field. */
export function parsePriceTable(value: unknown): PriceTable {
  const result = priceTableSchema.safeParse(value);
  if (!result.success) {
    throw new Error(result.error.issues.map((i) => `${i.path.join('.') || '(table)'}: ${i.message}`).join('; '));
  }
  return result.data as PriceTable;
}
