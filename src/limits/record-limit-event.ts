import { type AuditActor, recordAudit } from '../audit/record-audit.ts';
import { TaktError } from '../lib/errors.ts';
import { readTime } from '../official/parse-official-usage.ts';
import type { PriceTable } from '../pricing/price-table.ts';
import { findLimitEvent, insertLimitEvent, type LimitEventRow, undoLimitEvent } from '../store/limit-observations.ts';
import type { CalibrationRejectionsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { raiseCalibrationRejections } from './raise-calibration-rejections.ts';
import { checkObservedTime } from './record-official-usage.ts';
import { type AccountHint, resolveAccount } from './resolve-account.ts';

/** A mark can be taken back this long after it was made (the dashboard's undo). */
export const UNDO_WINDOW_MS = 60_000;

export interface LimitEventInput extends AccountHint {
  kind: 'hit_limit' | 'new_window';
  window: string;
  at?: string | number | undefined;
  resets_at?: string | number | undefined;
  source: string;
}

/**
 * Records a hit limit or a "new window" mark. One hit is often reported several times
 * (each session, the StopFailure hook, the transcript line): the same kind, account and
 * window within two minutes is one event (`created: false`), and a later report that
 * knows the reset time adds it. Audited when created.
 */
export async function recordLimitEvent(
  store: Store,
  q: {
    actor: AuditActor & { userId: string };
    input: LimitEventInput;
    now: number;
    prices: PriceTable;
    accountsMax: number;
  },
): Promise<{ event: LimitEventRow; created: boolean; rejectedSamples: CalibrationRejectionsTable[] }> {
  const { input, now } = q;
  const at = input.at === undefined ? now : readTime(input.at);
  if (at === undefined)
    throw new TaktError('bad_request', 'at must be an ISO 8601 time, epoch seconds or epoch milliseconds');
  checkObservedTime(at, 'at', now);
  const resetsAt = input.resets_at === undefined ? null : readTime(input.resets_at);
  if (resetsAt === undefined) {
    throw new TaktError('bad_request', 'resets_at must be an ISO 8601 time, epoch seconds or epoch milliseconds');
  }
  return store.transaction(async (trx) => {
    const accountId = await resolveAccount(trx, q.actor.userId, input, now, q.accountsMax);
    const { event, created } = await insertLimitEvent(trx, {
      user_id: q.actor.userId,
      account_id: accountId,
      kind: input.kind,
      window: input.window,
      at,
      resets_at: resetsAt,
      session_id: input.session_id ?? null,
      source: input.source,
      created_at: now,
    });
    if (created) {
      await recordAudit(trx, q.actor, {
        action: `limit_event.${input.kind}`,
        targetType: 'account',
        targetId: accountId,
        after: { id: event.id, window: event.window, at: event.at, resets_at: event.resets_at, source: event.source },
      });
    }
    const rejectedSamples = created
      ? await raiseCalibrationRejections(trx, { accountId, now, prices: q.prices, dialect: store.dialect })
      : [];
    return { event, created, rejectedSamples };
  });
}

/** Takes back a mark within a minute of making it (its owner only). */
export async function undoLimitEventAction(
  store: Store,
  q: { actor: AuditActor & { userId: string }; id: string; now: number },
): Promise<LimitEventRow> {
  return store.transaction(async (trx) => {
    const event = await findLimitEvent(trx, q.id);
    if (!event || event.user_id !== q.actor.userId) {
      throw new TaktError('not_found', `no limit event ${q.id} of yours`);
    }
    if (event.undone_at !== null) return event;
    if (q.now - Number(event.created_at) > UNDO_WINDOW_MS) {
      throw new TaktError(
        'conflict',
        'a mark can be undone only within a minute of making it; record a new one instead',
      );
    }
    await undoLimitEvent(trx, event.id, q.now);
    await recordAudit(trx, q.actor, {
      action: 'limit_event.undo',
      targetType: 'account',
      targetId: event.account_id,
      before: { id: event.id, kind: event.kind, window: event.window, at: event.at },
    });
    return { ...event, undone_at: q.now };
  });
}
