import type { Logger } from '../lib/log.ts';
import { deleteExpiredRows, type PrunedRows } from '../store/expired-rows.ts';
import { runOnce } from '../store/leases.ts';
import type { Store } from '../store/store.ts';
import { SETUP_CODE_TTL_MS } from './actions/first-run.ts';

/** The prune runs this often on each replica; the lease makes it once per period in all. */
export const PRUNE_EXPIRED_EVERY_MS = 3_600_000;
/**
 * An expired device code is kept one more hour, so a machine still polling learns
 * `expired_token` (RFC 8628 §3.5) rather than "unknown device_code".
 */
export const DEVICE_CODE_GRACE_MS = 3_600_000;

/**
 * Deletes expired device codes, web sessions, invites and setup codes (issue 22.14), on one
 * replica per period (the `prune-expired` lease; store/leases.ts). Undefined when another
 * replica holds the lease.
 */
export function pruneExpiredRows(
  store: Pick<Store, 'db'>,
  now: number,
  holder?: string,
): Promise<PrunedRows | undefined> {
  return runOnce(
    store.db,
    'prune-expired',
    PRUNE_EXPIRED_EVERY_MS * 0.9,
    () =>
      deleteExpiredRows(store.db, {
        deviceCodes: now - DEVICE_CODE_GRACE_MS,
        webSessions: now,
        invites: now,
        setupCodes: now - SETUP_CODE_TTL_MS,
      }),
    { now, ...(holder ? { holder } : {}) },
  );
}

/** Runs the prune at start and then hourly; returns a stop function. Failures are logged, never thrown. */
export function schedulePruneExpired(store: Pick<Store, 'db'>, log: Logger, clock = Date.now): () => void {
  const tick = () => {
    pruneExpiredRows(store, clock()).then(
      (pruned) => {
        if (pruned && Object.values(pruned).some((n) => n > 0)) log.info('pruned expired rows', { ...pruned });
      },
      (error: unknown) => log.warn('expired rows could not be pruned', { error }),
    );
  };
  const first = setTimeout(tick, 0);
  const timer = setInterval(tick, PRUNE_EXPIRED_EVERY_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
