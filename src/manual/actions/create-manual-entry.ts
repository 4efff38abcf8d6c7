import { type AuditActor, recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import { responseCostUsd } from '../../pricing/calculate-cost.ts';
import { type PriceTable, resolveModelPrice } from '../../pricing/price-table.ts';
import { insertManualEntry, listManualEntries } from '../../store/manual-entries.ts';
import type { Store } from '../../store/store.ts';
import { type ChosenAccount, chooseAccount } from '../choose-account.ts';
import { manualEntryView } from '../entry-view.ts';

export interface ManualEntryInput {
  at: number;
  input: number;
  output: number;
  cache_read: number;
  cache_creation: number;
  note?: string | undefined;
  model?: string | undefined;
  /** The account's id, uuid or label (choose-account.ts). */
  account?: string | undefined;
}

/**
 * A person types in usage (seed 002's POST /api/session, `takt track`): their own, so the
 * caller must be a person; the entry, its usage row and its audit row commit together.
 */
export async function createManualEntry(
  store: Store,
  actor: AuditActor,
  input: ManualEntryInput,
  prices: PriceTable,
  now: number,
): Promise<ReturnType<typeof manualEntryView> & { account: ChosenAccount }> {
  const userId = actor.userId;
  if (userId === null) throw new TaktError('forbidden', 'manual entries belong to a person: send their token');
  const model = input.model ?? '';
  const price = model === '' ? undefined : resolveModelPrice(prices, model);
  // Without a known model the entry has tokens and no cost: a price would be a guess.
  const cost = price
    ? responseCostUsd(price.price, {
        input: input.input,
        output: input.output,
        cacheWrite5m: input.cache_creation,
        cacheWrite1h: 0,
        cacheRead: input.cache_read,
        fast: false,
      })
    : 0;
  return store.transaction(async (trx) => {
    const account = await chooseAccount(trx, userId, input.account);
    const e = await insertManualEntry(trx, {
      userId,
      at: input.at,
      note: input.note ?? null,
      model,
      now,
      accountId: account.id,
      usage: {
        input_tokens: input.input,
        output_tokens: input.output,
        cache_read_tokens: input.cache_read,
        cache_creation_tokens: input.cache_creation,
        cache_creation_5m_tokens: input.cache_creation,
        cache_creation_1h_tokens: 0,
        cost_usd: cost,
      },
    });
    const index = (await listManualEntries(trx, userId)).findIndex((x) => x.id === e.id);
    const view = manualEntryView(e, index, price !== undefined);
    await recordAudit(trx, actor, {
      action: 'manual_entry.create',
      targetType: 'manual_entry',
      targetId: e.id,
      after: { ...view, account_chosen_by: account.chosen_by },
    });
    return { ...view, account };
  });
}
