import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { findApiTokenByPrefix, insertApiToken, touchApiToken } from '../store/api-tokens.ts';
import { newId } from '../store/ids.ts';
import type { Db } from '../store/store.ts';
import { findUserById, type User } from '../store/users.ts';

/**
 * Bearer tokens look like `takt_<prefix>_<secret>`. The prefix is stored in clear to
 * find the row; only the SHA-256 of the whole token is stored (a token is 190 bits
 * of randomness, so a fast hash is the right tool, unlike passwords). The token is
 * shown once, when it is created.
 */
const TOKEN_PATTERN = /^takt_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{32,})$/;

export interface IssuedToken {
  id: string;
  token: string;
  prefix: string;
  label: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function randomAlnum(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length * 2);
  let out = '';
  // Rejection sampling keeps every character equally likely.
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const b = bytes[i] as number;
    if (b < 248) out += alphabet[b % 62];
  }
  return out.length === length ? out : randomAlnum(length);
}

export async function issueApiToken(db: Db, userId: string, label = '', now = Date.now()): Promise<IssuedToken> {
  const prefix = randomAlnum(12);
  const token = `takt_${prefix}_${randomBytes(24).toString('base64url')}`;
  const id = newId();
  await insertApiToken(db, {
    id,
    user_id: userId,
    prefix,
    secret_hash: hashToken(token),
    label,
    created_at: now,
    last_used_at: null,
    revoked_at: null,
  });
  return { id, token, prefix, label };
}

export interface TokenIdentity {
  user: User;
  tokenId: string;
}

/** Resolves a bearer token to its user and records its use; undefined when unknown, malformed or revoked. */
export async function verifyApiToken(db: Db, token: string): Promise<TokenIdentity | undefined> {
  const identity = await identifyApiToken(db, token);
  if (identity) await touchApiToken(db, identity.tokenId);
  return identity;
}

/** verifyApiToken without recording the use (token-verifier.ts records it at most once a minute). */
export async function identifyApiToken(db: Db, token: string): Promise<TokenIdentity | undefined> {
  const m = TOKEN_PATTERN.exec(token.trim());
  if (!m) return undefined;
  const row = await findApiTokenByPrefix(db, m[1] as string);
  if (!row || row.revoked_at !== null) return undefined;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const actual = Buffer.from(hashToken(token.trim()), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  const user = await findUserById(db, row.user_id);
  if (!user || user.disabled_at !== null) return undefined;
  return { user, tokenId: row.id };
}

/** Reads `Authorization: Bearer <token>`; undefined when absent. */
export function bearerFrom(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? (m[1] as string).trim() : undefined;
}
