import type { Hono } from 'hono';
import { z } from 'zod';
import { register } from '../../../auth/actions/register.ts';
import { normalizeEmail } from '../../../store/users.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { emailField, inviteCodeField, machineField, setupFor } from '../fields.ts';

/** POST /auth/register: an invite code to an account, its first token and the setup payload. */
export function registerRegisterRoute(app: Hono, ctx: AppContext): void {
  app.post('/auth/register', async (c) => {
    const address = addressOf(c, ctx);
    await ctx.limits.auth.hit(`register:${address}`);
    const body = await readJson(
      c,
      z.object({ email: emailField, invite_code: inviteCodeField, machine: machineField }),
    );
    await ctx.limits.auth.hit(`register-email:${normalizeEmail(body.email)}`);
    const { user, token } = await register(
      ctx.store,
      { userId: null, address },
      { email: body.email, inviteCode: body.invite_code, machine: body.machine },
    );
    return c.json(
      {
        user_id: user.id,
        email: user.email,
        machine: body.machine,
        token: token.token,
        token_id: token.id,
        setup: setupFor(c, ctx, token.token, body.machine),
      },
      201,
    );
  });
}
