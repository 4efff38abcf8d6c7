import type { Hono } from 'hono';
import { z } from 'zod';
import { addMachine } from '../../../auth/actions/add-machine.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { machineField, setupFor } from '../fields.ts';

/** POST /auth/setup-additional: the setup payload for another machine of the caller's. */
export function registerSetupAdditionalRoute(app: Hono, ctx: AppContext): void {
  app.post('/auth/setup-additional', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const body = await readJson(c, z.object({ machine: machineField }));
    // With a bearer token the payload carries that same token; a browser session gets a new one.
    if (caller.via === 'token' && caller.token) {
      return c.json({
        machine: body.machine,
        token: caller.token,
        token_created: false,
        setup: setupFor(c, ctx, caller.token, body.machine),
      });
    }
    const token = await addMachine(
      ctx.store,
      { userId: caller.user.id, address: addressOf(c, ctx) },
      { machine: body.machine },
    );
    return c.json({
      machine: body.machine,
      token: token.token,
      token_created: true,
      setup: setupFor(c, ctx, token.token, body.machine),
    });
  });
}
