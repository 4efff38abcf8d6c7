import type { ManualEntry } from '../store/manual-entries.ts';

/**
 * A manual entry as the API shows it: every figure labelled as manual. An entry without a
 * model (or with one the price table lacks) has an unknown cost, null — never $0.
 */
export function manualEntryView(e: ManualEntry, index: number, priced: boolean) {
  return {
    id: e.id,
    index,
    source: 'manual' as const,
    at: new Date(e.at).toISOString(),
    input: e.input_tokens,
    output: e.output_tokens,
    cache_read: e.cache_read_tokens,
    cache_creation: e.cache_creation_tokens,
    cost_usd: priced ? e.cost_usd : null,
    model: e.model === '' ? null : e.model,
    account_id: e.account_id === '' ? null : e.account_id,
    note: e.note,
  };
}
