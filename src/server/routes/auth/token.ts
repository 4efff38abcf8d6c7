import type { Hono } from 'hono';
import { z } from 'zod';
import { tokenByInvite } from '../../../auth/actions/token-by-invite.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { emailField, inviteCodeField, machineField, setupFor } from '../fields.ts';

/** POST /auth/token: a new token for email + the invite code it registered with. */
export function registerTokenRoute(app: Hono, ctx: AppContext): void {
  app.post('/auth/token', async (c) => {
    const address = addressOf(c, ctx);
    const body = await readJson(
      c,
      z.object({ email: emailField, invite_code: inviteCodeField, machine: machineField.optional() }),
    );
    const name = body.machine ?? 'machine';
    const { user, token } = await tokenByInvite(
      ctx.store,
      { userId: null, address },
      { email: body.email, inviteCode: body.invite_code, label: name },
      ctx.limits.failures,
    );
    return c.json({
      user_id: user.id,
      email: user.email,
      token: token.token,
      token_id: token.id,
      setup: setupFor(c, ctx, token.token, name),
    });
  });
}
