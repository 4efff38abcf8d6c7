import { TaktError } from '../lib/errors.ts';

/**
 * Fixed-window counters in memory, per process. Enough to stop password guessing
 * and code spraying against one server; with several replicas each counts alone
 * (docs/operations.md).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Counts one attempt for each key; throws rate_limited (429 + Retry-After) past the limit. */
  hit(...keys: string[]): void {
    const now = Date.now();
    if (this.windows.size > 50_000) this.sweep(now);
    for (const key of keys) {
      let w = this.windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now + this.windowMs };
        this.windows.set(key, w);
      }
      w.count++;
      if (w.count > this.limit) {
        const retryAfterSeconds = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
        throw new TaktError('rate_limited', `too many attempts: wait ${retryAfterSeconds} s and try again`, {
          retryAfterSeconds,
        });
      }
    }
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}
