import { TaktError } from '../lib/errors.ts';
import { EARLIEST_USAGE_MS, shownTime } from '../lib/usage-time.ts';
import {
  type OfficialWindow,
  parseStatusLineRateLimits,
  parseUsageAnswer,
  readTime,
} from '../official/parse-official-usage.ts';
import type { PriceTable } from '../pricing/price-table.ts';
import { findAccount } from '../store/accounts.ts';
import { insertOfficialObservations } from '../store/limit-observations.ts';
import type { CalibrationRejectionsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { raiseCalibrationRejections } from './raise-calibration-rejections.ts';
import { type AccountHint, resolveAccount } from './resolve-account.ts';

/** Observations from the future are a clock or a bug: a little skew is allowed. */
export const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * A reading's or a limit event's time: from 2020 (ingest's rule, issue 22.13: `1` read as
 * epoch seconds is 1970) to a little skew ahead; else 400 with the range, never a 500 from
 * formatting an absurd time.
 */
export function checkObservedTime(ms: number, what: string, now: number): void {
  if (ms >= EARLIEST_USAGE_MS && ms <= now + FUTURE_SKEW_MS) return;
  throw new TaktError(
    'bad_request',
    `${what} must be from 2020-01-01 to 5 minutes after the server's clock, got ${shownTime(ms)}: check this machine's clock`,
  );
}

export interface OfficialUsageInput extends AccountHint {
  source: string;
  captured_at?: string | number | undefined;
  rate_limits?: unknown;
  usage?: unknown;
}

export interface RecordedOfficialUsage {
  account: { id: string; uuid: string | null };
  captured_at: number;
  windows: OfficialWindow[];
  stored: number;
  duplicates: number;
  errors: string[];
  rejectedSamples: CalibrationRejectionsTable[];
}

/**
 * Stores what Claude Code or Anthropic said about an account's utilisation: one row per
 * window, kept as sent, once (a re-upload of the same capture changes nothing). A late
 * upload (captured_at in the past) is welcome; one from the future is refused. Not
 * audited: observations are data arriving, like telemetry, not a change someone made.
 */
export async function recordOfficialUsage(
  store: Store,
  q: { userId: string; input: OfficialUsageInput; now: number; prices: PriceTable; accountsMax: number },
): Promise<RecordedOfficialUsage> {
  const { input, now } = q;
  if ((input.rate_limits === undefined) === (input.usage === undefined)) {
    throw new TaktError(
      'bad_request',
      'send exactly one of rate_limits (the status line shape) or usage (the OAuth / claude.ai shape)',
    );
  }
  const capturedAt = input.captured_at === undefined ? now : readTime(input.captured_at);
  if (capturedAt === undefined) {
    throw new TaktError('bad_request', 'captured_at must be an ISO 8601 time, epoch seconds or epoch milliseconds');
  }
  checkObservedTime(capturedAt, 'captured_at', now);
  const parsed =
    input.rate_limits !== undefined ? parseStatusLineRateLimits(input.rate_limits) : parseUsageAnswer(input.usage);
  if (parsed.windows.length === 0 && parsed.errors.length > 0) {
    throw new TaktError('bad_request', `nothing could be read: ${parsed.errors.join('; ')}`);
  }
  const written = await store.transaction(async (trx) => {
    const accountId = await resolveAccount(trx, q.userId, input, now, q.accountsMax);
    const stored = await insertOfficialObservations(
      trx,
      parsed.windows.map((w) => ({
        user_id: q.userId,
        account_id: accountId,
        window: w.window,
        utilization: w.utilization,
        resets_at: w.resetsAt,
        captured_at: capturedAt,
        received_at: now,
        source: input.source,
        session_id: input.session_id ?? null,
        raw: JSON.stringify(w.raw),
      })),
    );
    const rejectedSamples =
      stored > 0
        ? await raiseCalibrationRejections(trx, { accountId, now, prices: q.prices, dialect: store.dialect })
        : [];
    const account = await findAccount(trx, accountId);
    return { accountId, uuid: account?.account_uuid ?? null, stored, rejectedSamples };
  });
  return {
    account: { id: written.accountId, uuid: written.uuid },
    captured_at: capturedAt,
    windows: parsed.windows,
    stored: written.stored,
    duplicates: parsed.windows.length - written.stored,
    errors: parsed.errors,
    rejectedSamples: written.rejectedSamples,
  };
}
