import type { Hono } from 'hono';
import { z } from 'zod';
import { rotateToken } from '../../../auth/actions/rotate-token.ts';
import { MACHINE_NAME } from '../../../install/setup-payload.ts';
import { TaktError } from '../../../lib/errors.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { machineField, setupFor } from '../fields.ts';

/** POST /auth/rotate: swaps the bearer token the caller used for a new one. */
export function registerRotateRoute(app: Hono, ctx: AppContext): void {
  app.post('/auth/rotate', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    if (caller.via !== 'token' || !caller.tokenId) {
      throw new TaktError(
        'bad_request',
        'rotate swaps the bearer token you call with: send Authorization: Bearer <token>',
      );
    }
    const body = await readJson(c, z.object({ machine: machineField.optional() }));
    const oldId = caller.tokenId;
    const { token, label } = await rotateToken(
      ctx.store,
      { userId: caller.user.id, address: addressOf(c, ctx) },
      { userId: caller.user.id, tokenId: oldId },
    );
    ctx.tokens.forget();
    const name = body.machine ?? (MACHINE_NAME.test(label) ? label : undefined);
    return c.json({
      token: token.token,
      token_id: token.id,
      revoked_token_id: oldId,
      ...(name ? { setup: setupFor(c, ctx, token.token, name) } : {}),
    });
  });
}
