import type { Hono } from 'hono';
import { z } from 'zod';
import { adminRevokeToken } from '../../../auth/actions/admin-revoke-token.ts';
import { adminSetPassword } from '../../../auth/actions/admin-set-password.ts';
import { createUser } from '../../../auth/actions/create-user.ts';
import { updateUser } from '../../../auth/actions/update-user.ts';
import { adminTokensView, adminUsersView } from '../../../queries/admin-users.ts';
import type { AppContext } from '../../app-context.ts';
import { requireAdmin } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { emailField } from '../fields.ts';

const role = z.enum(['admin', 'member'], { error: 'role must be admin or member' });

/** Users and everyone's tokens (docs/api.md, "Admin: users and tokens"); each change audited in its action. */
export function registerAdminRoutes(app: Hono, ctx: AppContext): void {
  app.get('/api/admin/users', async (c) => {
    await requireAdmin(c, ctx);
    return c.json(await adminUsersView(ctx.store.db));
  });

  app.post('/api/admin/users', async (c) => {
    const actor = await requireAdmin(c, ctx, { write: true });
    const body = await readJson(
      c,
      z.object({ email: emailField, role: role.optional(), password: z.string() }).strict(),
    );
    const user = await createUser(
      ctx.store,
      { ...actor, admin: true },
      { email: body.email, role: body.role ?? 'member', password: body.password },
    );
    return c.json({ user }, 201);
  });

  app.patch('/api/admin/users/:id', async (c) => {
    const actor = await requireAdmin(c, ctx, { write: true });
    const body = await readJson(c, z.object({ role: role.optional(), disabled: z.boolean().optional() }).strict());
    const u = await updateUser(
      ctx.store,
      { ...actor, admin: true },
      {
        userId: c.req.param('id'),
        ...(body.role !== undefined ? { role: body.role } : {}),
        ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
        now: Date.now(),
      },
    );
    // Cached identities carry the user row (role, disabled): drop them.
    ctx.tokens.forget();
    return c.json({
      user: {
        id: u.id,
        email: u.email,
        role: u.role,
        disabled: u.disabled_at !== null,
        disabled_at: u.disabled_at === null ? null : new Date(u.disabled_at).toISOString(),
      },
    });
  });

  app.post('/api/admin/users/:id/password', async (c) => {
    const actor = await requireAdmin(c, ctx, { write: true });
    const body = await readJson(c, z.object({ password: z.string() }).strict());
    await adminSetPassword(
      ctx.store,
      { ...actor, admin: true },
      { userId: c.req.param('id'), password: body.password },
    );
    ctx.tokens.forget();
    return c.json({ ok: true });
  });

  app.get('/api/admin/tokens', async (c) => {
    await requireAdmin(c, ctx);
    return c.json(await adminTokensView(ctx.store.db));
  });

  app.delete('/api/admin/tokens/:id', async (c) => {
    const actor = await requireAdmin(c, ctx, { write: true });
    await adminRevokeToken(ctx.store, { ...actor, admin: true }, { tokenId: c.req.param('id') });
    ctx.tokens.forget();
    return c.json({ ok: true });
  });
}
