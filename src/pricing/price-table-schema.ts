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

const modelPriceSchema = z
  .object({
    ...rates,
    long_context: z
      .object({ threshold_tokens: z.number().int().positive(), ...rates })
      .strict()
      .optional(),
    fast_multiplier: z.number().positive().max(100).optional(),
  })
  .strict();

/**
 * The body of PUT /api/admin/prices (and `takt pricing contracted set`): contracted prices
 * per model and the data-residency factor. Model ids as the price table writes them, so that
 * `claude-opus-4-5` covers its dated and provider-decorated spellings.
 */
export const contractedPricingSchema = z
  .object({
    models: z
      .record(
        z
          .string()
          .regex(
            /^[a-z0-9][a-z0-9._-]{0,99}$/,
            'model ids are lower case letters, digits, dots, dashes and underscores, as in takt pricing show (e.g. claude-opus-4-5)',
          ),
        modelPriceSchema,
      )
      .refine((m) => Object.keys(m).length <= 500, 'at most 500 contracted models'),
    residency_factor: z
      .number({ error: 'residency_factor must be a number: 1 for none, 1.1 for a 10 % data-residency premium' })
      .positive('residency_factor must be more than 0: 1 for none, 1.1 for a 10 % premium')
      .max(10, 'residency_factor must be at most 10: 1.1 is a 10 % premium'),
  })
  .strict();
