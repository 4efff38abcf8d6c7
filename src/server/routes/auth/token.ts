import type { Hono } from 'hono';
import { z } from 'zod';
import { tokenByInvite } from '../../../auth/actions/token-by-invite.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { emailField, inviteCodeField, machineField, setupFor } from '../fields.ts';

/**
 * POST /auth/token: a new token for email + the invite code it registered with. Without
 * `machine` there is no setup payload: its host.name would be a placeholder someone could
 * apply as is (issue 10, defect 7), so the answer says to send machine instead.
 */
export function registerTokenRoute(app: Hono, ctx: AppContext): void {
  app.post('/auth/token', async (c) => {
    const address = addressOf(c, ctx);
    const body = await readJson(
      c,
      z.object({ email: emailField, invite_code: inviteCodeField, machine: machineField.optional() }),
    );
    const { user, token } = await tokenByInvite(
      ctx.store,
      { userId: null, address },
      { email: body.email, inviteCode: body.invite_code, label: body.machine ?? '' },
      ctx.limits.failures,
    );
    return c.json({
      user_id: user.id,
      email: user.email,
      token: token.token,
      token_id: token.id,
      machine: body.machine ?? null,
      ...(body.machine
        ? { setup: setupFor(c, ctx, token.token, body.machine) }
        : {
            next_step:
              'Send machine (the host name this machine will report) to get the setup payload: POST /auth/token {"email", "invite_code", "machine"}, or run takt setup on that machine.',
          }),
    });
  });
}
