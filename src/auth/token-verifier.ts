import type { Db } from '../store/store.ts';
import { hashToken, type TokenIdentity, verifyApiToken } from './api-token.ts';

/**
 * verifyApiToken with a short memory: an exporter sends every few seconds, and each
 * export would otherwise cost three queries. A revoked token stops working within
 * ttlMs on every replica (and at once on this one: call forget()).
 */
export class TokenVerifier {
  private readonly cache = new Map<string, { identity: TokenIdentity | undefined; until: number }>();
  private readonly db: Db;
  private readonly ttlMs: number;

  constructor(db: Db, ttlMs = 5_000) {
    this.db = db;
    this.ttlMs = ttlMs;
  }

  async verify(token: string): Promise<TokenIdentity | undefined> {
    const key = hashToken(token);
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.identity;
    const identity = await verifyApiToken(this.db, token);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { identity, until: now + this.ttlMs });
    return identity;
  }

  forget(): void {
    this.cache.clear();
  }
}
