import type { Hono } from 'hono';
import { z } from 'zod';
import { adminSetPassword } from '../../../auth/actions/admin-set-password.ts';
import { setPassword } from '../../../auth/actions/set-password.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireAdmin, requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { emailField } from '../fields.ts';

/** POST /auth/password/set (your own) and /auth/password/admin-set (admins, anyone's). */
export function registerPasswordRoutes(app: Hono, ctx: AppContext): void {
  app.post('/auth/password/set', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const body = await readJson(c, z.object({ password: z.string(), current_password: z.string().optional() }));
    await setPassword(
      ctx.store,
      { userId: caller.user.id, address: addressOf(c, ctx) },
      {
        userId: caller.user.id,
        password: body.password,
        currentPassword: body.current_password,
        ...(caller.sessionIdHash ? { currentSessionIdHash: caller.sessionIdHash } : {}),
      },
    );
    // Cached identities carry the user row, password hash included: drop them.
    ctx.tokens.forget();
    return c.json({ ok: true });
  });

  app.post('/auth/password/admin-set', async (c) => {
    const actor = await requireAdmin(c, ctx, { write: true });
    const body = await readJson(c, z.object({ email: emailField, password: z.string() }));
    const { userId } = await adminSetPassword(ctx.store, { ...actor, admin: true }, body);
    ctx.tokens.forget();
    return c.json({ ok: true, user_id: userId });
  });
}
