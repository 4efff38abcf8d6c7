import type { Hono } from 'hono';
import { revokeToken } from '../../../auth/actions/revoke-token.ts';
import { listApiTokens } from '../../../store/api-tokens.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireCaller } from '../../authenticate.ts';

/** GET /api/tokens and DELETE /api/tokens/:id: the caller's own tokens. */
export function registerApiTokenRoutes(app: Hono, ctx: AppContext): void {
  app.get('/api/tokens', async (c) => {
    const caller = await requireCaller(c, ctx);
    const rows = await listApiTokens(ctx.store.db, caller.user.id);
    return c.json({
      tokens: rows.map((r) => ({
        id: r.id,
        label: r.label,
        prefix: `takt_${r.prefix}_…`,
        created_at: new Date(r.created_at).toISOString(),
        last_used_at: r.last_used_at === null ? null : new Date(r.last_used_at).toISOString(),
        revoked_at: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
        current: r.id === caller.tokenId,
      })),
    });
  });

  app.delete('/api/tokens/:id', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const id = c.req.param('id');
    await revokeToken(
      ctx.store,
      { userId: caller.user.id, address: addressOf(c, ctx) },
      { userId: caller.user.id, tokenId: id },
    );
    ctx.tokens.forget();
    return c.json({ ok: true, id });
  });
}
