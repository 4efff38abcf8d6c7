import { touchApiToken } from '../store/api-tokens.ts';
import type { Db } from '../store/store.ts';
import { hashToken, identifyApiToken, type TokenIdentity } from './api-token.ts';

/**
 * verifyApiToken with a short memory: an exporter sends every few seconds, and each
 * export would otherwise cost three queries. A revoked token stops working within
 * ttlMs on every replica (and at once on this one: call forget()).
 *
 * Under load many exports of one token arrive while its entry is expired: they share one
 * verification in flight (single flight) instead of each querying. A token's last use is
 * written at most once per touchEveryMs from this replica (the UPDATE's own condition
 * keeps replicas to about once a minute too): the column is shown to the minute, and a
 * write per verification was a row update on every export's path.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, { identity: TokenIdentity | undefined; until: number }>();
  private readonly inFlight = new Map<string, Promise<TokenIdentity | undefined>>();
  private readonly touchedAt = new Map<string, number>();
  private readonly db: Db;
  private readonly ttlMs: number;
  private readonly touchEveryMs: number;
  private readonly now: () => number;
  /** Bumped by forget(): a verification begun before it is not remembered after it. */
  private generation = 0;

  constructor(db: Db, options: { ttlMs?: number; touchEveryMs?: number; now?: () => number } = {}) {
    this.db = db;
    this.ttlMs = options.ttlMs ?? 5_000;
    this.touchEveryMs = options.touchEveryMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<TokenIdentity | undefined> {
    const key = hashToken(token);
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.identity;
    let pending = this.inFlight.get(key);
    if (!pending) {
      const flight = this.lookUp(key, token).finally(() => {
        if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
      });
      pending = flight;
      this.inFlight.set(key, flight);
    }
    return pending;
  }

  forget(): void {
    this.generation++;
    this.cache.clear();
    this.inFlight.clear();
  }

  private async lookUp(key: string, token: string): Promise<TokenIdentity | undefined> {
    const generation = this.generation;
    const identity = await identifyApiToken(this.db, token);
    if (identity) await this.touch(identity.tokenId);
    if (generation === this.generation) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, { identity, until: this.now() + this.ttlMs });
    }
    return identity;
  }

  private async touch(tokenId: string): Promise<void> {
    const now = this.now();
    const last = this.touchedAt.get(tokenId);
    if (last !== undefined && now - last < this.touchEveryMs) return;
    if (this.touchedAt.size > 10_000) this.touchedAt.clear();
    this.touchedAt.set(tokenId, now);
    await touchApiToken(this.db, tokenId, now);
  }
}
