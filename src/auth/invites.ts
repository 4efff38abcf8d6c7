import { TaktError } from '../lib/errors.ts';
import { hasUsedApiToken } from '../store/api-tokens.ts';
import { findInviteByHash, insertInvites, markInviteUsed } from '../store/invites.ts';
import type { Db } from '../store/store.ts';
import type { User } from '../store/users.ts';
import { newHumanCode, normalizeHumanCode, sha256 } from './secret.ts';

export const DEFAULT_INVITE_TTL_SECONDS = 7 * 24 * 3600;

/** Mints `count` one-time codes; only their hashes are kept. */
export async function mintInvites(
  db: Db,
  input: { count: number; expiresInSeconds: number; createdBy: string | null; now?: number },
): Promise<{ codes: string[]; expiresAt: number }> {
  const now = input.now ?? Date.now();
  const expiresAt = now + input.expiresInSeconds * 1000;
  const codes = Array.from({ length: input.count }, () => newHumanCode(3, 4));
  await insertInvites(
    db,
    codes.map((code) => ({
      code_hash: inviteHash(code),
      created_by: input.createdBy,
      created_at: now,
      expires_at: expiresAt,
      used_at: null,
      used_by: null,
    })),
  );
  return { codes, expiresAt };
}

export function inviteHash(code: string): string {
  return sha256(`invite:${normalizeHumanCode(code)}`);
}

/** Marks an unused, unexpired invite as spent by userId; the error says what to do otherwise. */
export async function spendInvite(db: Db, code: string, userId: string, now = Date.now()): Promise<void> {
  const hash = inviteHash(code);
  const invite = await findInviteByHash(db, hash);
  if (!invite) {
    throw new TaktError('bad_request', 'unknown invite code: check it for typos, or ask your admin for a new one');
  }
  if (invite.used_at !== null) {
    throw new TaktError(
      'conflict',
      'this invite code was already used: if it was you, fetch your token with POST /auth/token {email, invite_code}; otherwise ask your admin for a new code',
    );
  }
  if (invite.expires_at <= now) {
    throw new TaktError('bad_request', 'this invite code has expired: ask your admin for a new one');
  }
  if (!(await markInviteUsed(db, hash, userId, now)))
    throw new TaktError('conflict', 'this invite code was just used: ask for a new one');
}

/**
 * True when `code` is the invite `userId` registered with and it has not expired: proof of
 * identity for /auth/token only as long as the code itself was good (issue 10, defect 6).
 */
export async function inviteBelongsTo(db: Db, code: string, userId: string, now = Date.now()): Promise<boolean> {
  const row = await findInviteByHash(db, inviteHash(code));
  return row !== undefined && row.used_by === userId && row.expires_at > now;
}

/** How long after registering the invite code still fetches a token (issue 22.3). */
export const INVITE_PROOF_WINDOW_MS = 30 * 60_000;

/**
 * Why a matching invite code no longer proves identity, or undefined while it does. A code
 * is a weak, shareable secret: it stands in for a password only until the account has a
 * stronger proof (a password, a token in use) and only for a short time after registering.
 */
export async function inviteProofEnded(
  db: Db,
  code: string,
  user: User,
  now = Date.now(),
): Promise<TaktError | undefined> {
  if (user.disabled_at !== null)
    return new TaktError('forbidden', 'this account is disabled: ask your admin to enable it');
  const invite = await findInviteByHash(db, inviteHash(code));
  const registeredAt = invite?.used_at ?? 0;
  if (
    user.password_hash !== null ||
    now - registeredAt > INVITE_PROOF_WINDOW_MS ||
    (await hasUsedApiToken(db, user.id))
  ) {
    return new TaktError(
      'forbidden',
      'this invite code no longer proves who you are (it does only until the account has a password or has used a token, and for 30 minutes after registering): sign in to the dashboard and create a token there, run takt setup --server URL to approve this machine in a browser, or ask your admin',
    );
  }
  return undefined;
}
