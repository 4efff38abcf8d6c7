import { TaktError } from '../lib/errors.ts';
import {
  addFailedProof,
  clearFailedProofs,
  hitWindow,
  peekWindow,
  readFailedProofs,
  sweepRateLimits,
} from '../store/rate-limits.ts';
import type { Db } from '../store/store.ts';

/** Counts attempts per key; throws rate_limited past the limit. In memory (RateLimiter) or in the database (SharedRateLimiter). */
export interface AttemptLimit {
  hit(...keys: string[]): void | Promise<void>;
}

/** Limits failed proofs of identity (FailureLimiter's rules), in memory or in the database. */
export interface FailedProofLimit {
  check(address: string, account: string, now?: number): void | Promise<void>;
  fail(address: string, account: string, now?: number): void | Promise<void>;
  succeed(account: string): void | Promise<void>;
}

const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 15 * 60_000;
const ACCOUNT_MEMORY_MS = 3_600_000;
const MAX_ADDRESSES_PER_ACCOUNT = 1_000;
/** The shared tables are swept of ended windows about once in this many hits. */
const SWEEP_ONE_IN = 500;

/**
 * Fixed-window counters in memory, per process: for one server on SQLite. Replicas on
 * PostgreSQL use SharedRateLimiter, which counts in the database.
 */
export class RateLimiter implements AttemptLimit {
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

/**
 * Limits FAILED proofs of identity (a wrong password, a wrong invite code), never
 * successes, so that nobody who knows an email can lock its owner out (issue 10,
 * defect 6):
 * - per address: `limit` failures a window, over all accounts, then 429 until the window ends;
 * - per account: past `limit` failures (from anywhere), each address that has itself
 *   failed against the account waits a back-off that doubles with every further failure
 *   (1 s, 2 s, 4 s … at most 15 min). An address that never failed against it — the owner
 *   at their own machine — is not held back by it. A success clears the account's record.
 * In memory and per process, like RateLimiter (SharedFailureLimiter: the same rules in the
 * database, for replicas). Against guessers on very many addresses
 * (over 1,000 for one account) every address waits the back-off, the owner's too.
 */
export class FailureLimiter implements FailedProofLimit {
  private readonly addresses = new Map<string, { count: number; resetAt: number }>();
  private readonly accounts = new Map<string, { failures: number; lastAt: number; from: Set<string> }>();
  private readonly limit: number;
  private readonly windowMs: number;
  private static readonly BACKOFF_BASE_MS = BACKOFF_BASE_MS;
  private static readonly BACKOFF_MAX_MS = BACKOFF_MAX_MS;
  /** An account's record is forgotten an hour after its last failure. */
  private static readonly ACCOUNT_MEMORY_MS = ACCOUNT_MEMORY_MS;
  private static readonly MAX_ADDRESSES_PER_ACCOUNT = MAX_ADDRESSES_PER_ACCOUNT;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Throws rate_limited (429 + Retry-After) when this address may not try this account now. */
  check(address: string, account: string, now = Date.now()): void {
    const a = this.addresses.get(address);
    if (a && a.resetAt > now && a.count >= this.limit) throw tooMany(a.resetAt - now);
    const acc = this.liveAccount(account, now);
    if (!acc || acc.failures < this.limit) return;
    const crowded = acc.from.size >= FailureLimiter.MAX_ADDRESSES_PER_ACCOUNT;
    if (!crowded && !acc.from.has(address)) return;
    const backoff = Math.min(
      FailureLimiter.BACKOFF_MAX_MS,
      FailureLimiter.BACKOFF_BASE_MS * 2 ** Math.min(30, acc.failures - this.limit),
    );
    if (now < acc.lastAt + backoff) throw tooMany(acc.lastAt + backoff - now);
  }

  fail(address: string, account: string, now = Date.now()): void {
    if (this.addresses.size + this.accounts.size > 50_000) this.sweep(now);
    let a = this.addresses.get(address);
    if (!a || a.resetAt <= now) {
      a = { count: 0, resetAt: now + this.windowMs };
      this.addresses.set(address, a);
    }
    a.count++;
    let acc = this.liveAccount(account, now);
    if (!acc) {
      acc = { failures: 0, lastAt: now, from: new Set() };
      this.accounts.set(account, acc);
    }
    acc.failures++;
    acc.lastAt = now;
    if (acc.from.size < FailureLimiter.MAX_ADDRESSES_PER_ACCOUNT) acc.from.add(address);
  }

  succeed(account: string): void {
    this.accounts.delete(account);
  }

  private liveAccount(account: string, now: number) {
    const acc = this.accounts.get(account);
    if (acc && now - acc.lastAt > FailureLimiter.ACCOUNT_MEMORY_MS) {
      this.accounts.delete(account);
      return undefined;
    }
    return acc;
  }

  private sweep(now: number): void {
    for (const [k, a] of this.addresses) if (a.resetAt <= now) this.addresses.delete(k);
    for (const k of this.accounts.keys()) this.liveAccount(k, now);
  }
}

/**
 * RateLimiter's fixed windows in the database: every replica counts into the same row, so
 * N replicas allow `limit` attempts a window in all, not N × limit.
 */
export class SharedRateLimiter implements AttemptLimit {
  readonly #db: Db;
  readonly #limit: number;
  readonly #windowMs: number;

  constructor(db: Db, limit: number, windowMs: number) {
    this.#db = db;
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  async hit(...keys: string[]): Promise<void> {
    const now = Date.now();
    if (Math.random() < 1 / SWEEP_ONE_IN) await sweepRateLimits(this.#db, now, now - ACCOUNT_MEMORY_MS);
    for (const key of keys) {
      const w = await hitWindow(this.#db, `hit:${key}`, this.#windowMs, now);
      if (w.count > this.#limit) {
        const retryAfterSeconds = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
        throw new TaktError('rate_limited', `too many attempts: wait ${retryAfterSeconds} s and try again`, {
          retryAfterSeconds,
        });
      }
    }
  }
}

/** FailureLimiter's rules with its state in the database, shared by every replica. */
export class SharedFailureLimiter implements FailedProofLimit {
  readonly #db: Db;
  readonly #limit: number;
  readonly #windowMs: number;

  constructor(db: Db, limit: number, windowMs: number) {
    this.#db = db;
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  async check(address: string, account: string, now = Date.now()): Promise<void> {
    const a = await peekWindow(this.#db, `fail:${address}`, now);
    if (a && a.count >= this.#limit) throw tooMany(a.resetAt - now);
    const acc = await readFailedProofs(this.#db, account, address, now - ACCOUNT_MEMORY_MS);
    if (!acc || acc.failures < this.#limit) return;
    const crowded = acc.addresses >= MAX_ADDRESSES_PER_ACCOUNT;
    if (!crowded && !acc.fromAddress) return;
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(30, acc.failures - this.#limit));
    if (now < acc.lastAt + backoff) throw tooMany(acc.lastAt + backoff - now);
  }

  async fail(address: string, account: string, now = Date.now()): Promise<void> {
    if (Math.random() < 1 / SWEEP_ONE_IN) await sweepRateLimits(this.#db, now, now - ACCOUNT_MEMORY_MS);
    await hitWindow(this.#db, `fail:${address}`, this.#windowMs, now);
    await addFailedProof(this.#db, account, address, now, now - ACCOUNT_MEMORY_MS, MAX_ADDRESSES_PER_ACCOUNT);
  }

  async succeed(account: string): Promise<void> {
    await clearFailedProofs(this.#db, account);
  }
}

function tooMany(waitMs: number): TaktError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new TaktError('rate_limited', `too many failed attempts: wait ${retryAfterSeconds} s and try again`, {
    retryAfterSeconds,
  });
}
