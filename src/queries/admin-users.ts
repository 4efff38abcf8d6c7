import { listAllApiTokens } from '../store/api-tokens.ts';
import type { Db } from '../store/db.ts';
import { listUsers } from '../store/users.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** GET /api/admin/users: every user with role, state and their tokens' count and last use (never a hash). */
export async function adminUsersView(db: Db) {
  const [users, tokens] = await Promise.all([listUsers(db), listAllApiTokens(db)]);
  return {
    users: users.map((u) => {
      const own = tokens.filter((t) => t.user_id === u.id && t.revoked_at === null);
      const lastUsed = Math.max(0, ...own.map((t) => Number(t.last_used_at ?? 0)));
      return {
        id: u.id,
        email: u.email,
        role: u.role,
        created_at: iso(u.created_at),
        disabled: u.disabled_at !== null,
        disabled_at: iso(u.disabled_at),
        has_password: u.password_hash !== null,
        active_tokens: own.length,
        last_token_use_at: lastUsed > 0 ? iso(lastUsed) : null,
      };
    }),
  };
}

/** GET /api/admin/tokens: every user's tokens, newest first (prefix and label only; the secret is never stored). */
export async function adminTokensView(db: Db) {
  return {
    tokens: (await listAllApiTokens(db)).map((t) => ({
      id: t.id,
      user_id: t.user_id,
      email: t.email,
      label: t.label,
      prefix: t.prefix,
      created_at: iso(t.created_at),
      last_used_at: iso(t.last_used_at),
      revoked_at: iso(t.revoked_at),
    })),
  };
}
