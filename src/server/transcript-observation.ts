import { z } from 'zod';
import { MAX_TOKENS_PER_POINT } from '../ingest/sane-values.ts';
import { responseCostUsd } from '../pricing/calculate-cost.ts';
import { type PriceTable, resolveModelPrice } from '../pricing/price-table.ts';
import type { AccountRef, TranscriptObservation } from '../recording/observations.ts';

/**
 * One transcript record as POST /api/transcript-usage takes it, and the observation it is
 * recorded as (source 'transcript'). Shared by the upload route and POST
 * /app/claude-usage/refresh/, which reads the server machine's own transcripts.
 */
const tokens = z
  .number()
  .int('a token count must be a whole number')
  .min(0, 'a token count cannot be negative')
  .max(MAX_TOKENS_PER_POINT - 1, `a token count must be below 2^40 (${MAX_TOKENS_PER_POINT})`);
export const id = z.string().min(1).max(200);
export const name = z.string().max(255);

export const transcriptRecord = z
  .object({
    message_id: id.optional(),
    request_id: id.optional(),
    session_id: z.string().max(200),
    timestamp: z.union([z.string(), z.number()]),
    model: z.string().min(1).max(200),
    input_tokens: tokens,
    output_tokens: tokens,
    cache_read_tokens: tokens.default(0),
    cache_creation_tokens: tokens.optional(),
    cache_creation_5m_tokens: tokens.optional(),
    cache_creation_1h_tokens: tokens.optional(),
    fast: z.boolean().optional(),
    /** costUSD of older Claude Code versions: used only for a model the price table does not know. */
    cost_usd: z.number().finite().min(0).max(1_000_000).optional(),
    cwd: z.string().max(4096).optional(),
    project: z.string().max(4096).optional(),
    host_name: name.optional(),
    account_uuid: id.optional(),
  })
  .refine((r) => r.message_id !== undefined || r.request_id !== undefined, {
    message: 'a record needs message_id or request_id: it is how a re-upload is recognised',
  });

export type TranscriptRecord = z.infer<typeof transcriptRecord>;

export function timeOf(t: string | number): number {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  return Number.isFinite(ms) && ms > 0 && ms < 8.64e15 ? Math.floor(ms) : Number.NaN;
}

export function checkRecord(r: TranscriptRecord): string[] {
  const problems: string[] = [];
  if (Number.isNaN(timeOf(r.timestamp))) problems.push('timestamp: send an ISO 8601 time or epoch milliseconds');
  const split = (r.cache_creation_5m_tokens ?? 0) + (r.cache_creation_1h_tokens ?? 0);
  if (
    r.cache_creation_tokens !== undefined &&
    (r.cache_creation_5m_tokens !== undefined || r.cache_creation_1h_tokens !== undefined) &&
    split !== r.cache_creation_tokens
  ) {
    problems.push('cache_creation_tokens must equal cache_creation_5m_tokens + cache_creation_1h_tokens');
  }
  return problems;
}

export function observationOf(
  r: TranscriptRecord,
  batchHost: string | undefined,
  batchAccount: string | undefined,
  prices: PriceTable,
): TranscriptObservation {
  // Without the split, every cache write is a 5-minute one (the API's default).
  const hasSplit = r.cache_creation_5m_tokens !== undefined || r.cache_creation_1h_tokens !== undefined;
  const write1h = r.cache_creation_1h_tokens ?? 0;
  const write5m = hasSplit ? (r.cache_creation_5m_tokens ?? 0) : (r.cache_creation_tokens ?? 0);
  const price = resolveModelPrice(prices, r.model);
  const cost = price
    ? responseCostUsd(price.price, {
        input: r.input_tokens,
        output: r.output_tokens,
        cacheWrite5m: write5m,
        cacheWrite1h: write1h,
        cacheRead: r.cache_read_tokens,
        fast: r.fast === true,
      })
    : (r.cost_usd ?? 0);
  const accountUuid = r.account_uuid ?? batchAccount;
  const account: AccountRef | null = accountUuid
    ? { key: accountUuid, accountUuid, organizationId: null, email: null }
    : null;
  return {
    type: 'transcript',
    key: (r.message_id ?? r.request_id) as string,
    timeMs: timeOf(r.timestamp),
    ctx: { hostName: r.host_name ?? batchHost ?? '', account, sessionId: r.session_id },
    model: r.model,
    requestId: r.request_id ?? null,
    tokens: {
      input_tokens: r.input_tokens,
      output_tokens: r.output_tokens,
      cache_read_tokens: r.cache_read_tokens,
      cache_creation_tokens: write5m + write1h,
      cache_creation_5m_tokens: write5m,
      cache_creation_1h_tokens: write1h,
      cost_usd: cost,
    },
  };
}
