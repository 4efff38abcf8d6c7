/**
 * The one model of token counts that ingest, the store, the transcript engine and
 * reports share. A new token type is added here, once: every reader, writer and sum
 * walks USAGE_FIELDS, so none of them can miss it.
 */
export const TOKEN_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  /** All cache writes; the 5-minute and 1-hour parts below add up to it when known. */
  'cache_creation_tokens',
  'cache_creation_5m_tokens',
  'cache_creation_1h_tokens',
] as const;

export type TokenField = (typeof TOKEN_FIELDS)[number];

/** Token counts alone (reports add totals and costs of their own around them). */
export type TokenCounts = Record<TokenField, number>;

/** The token fields and Claude Code's own cost figure (`cost_usd`, 0 when it reported none). */
export const USAGE_FIELDS = [...TOKEN_FIELDS, 'cost_usd'] as const;

export type UsageField = (typeof USAGE_FIELDS)[number];

export type UsageCounts = Record<UsageField, number>;

export function emptyUsage(): UsageCounts {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    cache_creation_5m_tokens: 0,
    cache_creation_1h_tokens: 0,
    cost_usd: 0,
  };
}

/** Adds `from` into `into`, field by field. */
export function addUsage(into: UsageCounts, from: Readonly<UsageCounts>): void {
  for (const k of USAGE_FIELDS) into[k] += from[k];
}
