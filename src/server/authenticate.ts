import type { Context } from 'hono';
import { bearerFrom, type TokenIdentity } from '../auth/api-token.ts';
import { TaktError } from '../lib/errors.ts';
import type { AppContext } from './app-context.ts';

/** The caller of an API route, from its bearer token; throws unauthenticated otherwise. */
export async function requireCaller(c: Context, ctx: AppContext): Promise<TokenIdentity> {
  const token = bearerFrom(c.req.header('authorization'));
  if (!token) throw new TaktError('unauthenticated', 'send Authorization: Bearer <your takt token>');
  const identity = await ctx.tokens.verify(token);
  if (!identity) throw new TaktError('unauthenticated', 'the bearer token is unknown or revoked: create a new one');
  return identity;
}
