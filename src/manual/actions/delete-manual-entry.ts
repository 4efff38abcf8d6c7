import { type AuditActor, recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import { type PriceTable, resolveModelPrice } from '../../pricing/price-table.ts';
import { deleteManualEntry, listManualEntries, type ManualEntry } from '../../store/manual-entries.ts';
import type { Store } from '../../store/store.ts';
import { manualEntryView } from '../entry-view.ts';

/**
 * Deletes one of the caller's manual entries — by id, or by seed 002's index (oldest first) —
 * with its figures and an audit row, in one transaction.
 */
export async function deleteManualEntryAction(
  store: Store,
  actor: AuditActor,
  which: { id: string } | { index: number },
  prices: PriceTable,
): Promise<ReturnType<typeof manualEntryView>> {
  const userId = actor.userId;
  if (userId === null) throw new TaktError('forbidden', 'manual entries belong to a person: send their token');
  const deleted = await store.transaction(async (trx) => {
    const entries = await listManualEntries(trx, userId);
    const target: ManualEntry | undefined =
      'id' in which ? entries.find((e) => e.id === which.id) : entries[which.index];
    if (!target) return undefined;
    const e = await deleteManualEntry(trx, userId, target.id);
    if (!e) return undefined;
    const view = manualEntryView(
      e,
      entries.indexOf(target),
      e.model !== '' && resolveModelPrice(prices, e.model) !== undefined,
    );
    await recordAudit(trx, actor, {
      action: 'manual_entry.delete',
      targetType: 'manual_entry',
      targetId: e.id,
      before: view,
    });
    return view;
  });
  if (!deleted) {
    const what = 'id' in which ? `with id ${which.id}` : `at index ${which.index}`;
    throw new TaktError('not_found', `no manual entry ${what}: list them with GET /api/manual-entries`);
  }
  return deleted;
}
