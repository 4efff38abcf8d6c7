import type { Context } from 'hono';
import { z } from 'zod';
import { buildSetupPayload, MACHINE_NAME, type SetupPayload } from '../../install/setup-payload.ts';
import { emailAddress } from '../../lib/email.ts';
import type { AppContext } from '../app-context.ts';
import { serverUrlOf } from '../server-url.ts';

/** Request fields shared by the auth and device routes, with messages that say what to send. */
export const emailField = emailAddress;
export const machineField = z
  .string({ error: 'machine is required: the host name this machine will send (host.name)' })
  .regex(MACHINE_NAME, 'machine must be a host name: letters, digits, dot, dash or underscore, at most 128 characters');
export const inviteCodeField = z.string({ error: 'invite_code is required' }).min(4, 'invite_code is too short');

/** The setup payload for `token` on machine `name`, pointing at this server's public URL. */
export function setupFor(c: Context, ctx: AppContext, token: string, name: string): SetupPayload {
  return buildSetupPayload(serverUrlOf(c, ctx.config.publicUrl), token, name);
}
