import type { Hono } from 'hono';
import { z } from 'zod';
import { createInvites } from '../../../auth/actions/create-invite.ts';
import { DEFAULT_INVITE_TTL_SECONDS } from '../../../auth/invites.ts';
import type { AppContext } from '../../app-context.ts';
import { requireAdmin } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';

const inviteBody = z.object({
  count: z.number().int().min(1, 'count must be 1 to 100').max(100, 'count must be 1 to 100').default(1),
  expires_in: z
    .number()
    .int()
    .min(60, 'expires_in is in seconds: at least 60')
    .max(90 * 86_400, 'expires_in is in seconds: at most 90 days')
    .default(DEFAULT_INVITE_TTL_SECONDS),
});

/** POST /auth/invite (admins): one-time registration codes. */
export function registerInviteRoute(app: Hono, ctx: AppContext): void {
  app.post('/auth/invite', async (c) => {
    const actor = await requireAdmin(c, ctx, { write: true });
    const body = await readJson(c, inviteBody);
    const minted = await createInvites(
      ctx.store,
      { ...actor, admin: true },
      { count: body.count, expiresInSeconds: body.expires_in },
    );
    return c.json(
      { codes: minted.codes, invite_codes: minted.codes, expires_at: new Date(minted.expiresAt).toISOString() },
      201,
    );
  });
}
