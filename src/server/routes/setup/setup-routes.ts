import type { Hono } from 'hono';
import { z } from 'zod';
import { recordAudit } from '../../../audit/record-audit.ts';
import { createWebSession } from '../../../auth/web-session.ts';
import { emailAddress } from '../../../lib/email.ts';
import { normalizeEmail } from '../../../store/users.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { setSessionCookie } from '../../session-cookie.ts';

/**
 * GET /auth/setup: is the first-run page needed? POST /auth/setup {setup_code, email,
 * password}: creates the first admin and signs them in (docs/api.md, "First run").
 */
export function registerSetupRoutes(app: Hono, ctx: AppContext): void {
  app.get('/auth/setup', async (c) => c.json({ needed: await ctx.firstRun.isNeeded(ctx.store) }));

  app.post('/auth/setup', async (c) => {
    const address = addressOf(c, ctx);
    // The code has ~60 bits, and guesses are rate-limited like sign-ins.
    await ctx.limits.auth.hit(`setup:${address}`);
    const body = await readJson(
      c,
      z.object({
        setup_code: z.string({ error: 'setup_code is required: it is printed in the log of `takt serve`' }).min(1),
        email: emailAddress,
        password: z.string({ error: 'password is required: at least 10 characters' }),
      }),
    );
    const user = await ctx.firstRun.complete(ctx.store, {
      setupCode: body.setup_code,
      email: body.email,
      password: body.password,
      address,
    });
    const session = await ctx.store.transaction(async (trx) => {
      const s = await createWebSession(trx, user.id);
      await recordAudit(
        trx,
        { userId: user.id, address },
        { action: 'session.login', targetType: 'user', targetId: user.id },
      );
      return s;
    });
    setSessionCookie(c, ctx, session.id);
    return c.json(
      { user: { id: user.id, email: normalizeEmail(user.email), role: user.role }, csrf_token: session.csrf },
      201,
    );
  });
}
