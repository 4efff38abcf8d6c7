import type { Context } from 'hono';
import { z } from 'zod';
import { TaktError } from '../../lib/errors.ts';
import { isTimeZone } from '../../usage/local-time.ts';
import type { AppContext } from '../app-context.ts';
import { type Caller, requireAdmin, requireCaller } from '../authenticate.ts';

const isoTime = (name: string) =>
  z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), `${name} must be an ISO 8601 time such as 2026-11-01T00:00:00Z`)
    .transform((s) => Date.parse(s));

/** The parameters every usage range read shares (`/api/export`, `/api/me/activity`). */
const rangeFields = {
  from: isoTime('from').optional(),
  to: isoTime('to').optional(),
  tz: z.string().refine(isTimeZone, 'tz must be an IANA time zone such as Europe/Berlin or UTC').optional(),
  scope: z.enum(['me', 'team'], { error: 'scope must be me or team (team: admins only)' }).optional(),
};

/** A strict query schema: from, to, tz and scope plus the route's own parameters. */
export function usageRangeSchema<E extends z.ZodRawShape>(extra: E) {
  return z.object({ ...rangeFields, ...extra }).strict();
}

export interface UsageRangeDefault {
  /** The range used when neither from nor to is sent. */
  range(now: number, timeZone: string): { from: number; to: number };
  /** Said in the error when only one of from/to is sent: "the current month", "the last 7 days". */
  description: string;
}

/** What every usage range schema parses to (usageRangeSchema's own fields). */
interface RangeFields {
  from?: number | undefined;
  to?: number | undefined;
  tz?: string | undefined;
  scope?: 'me' | 'team' | undefined;
}

export interface UsageRange<Q> {
  query: Q;
  from: number;
  to: number;
  /** The caller (scope=me), or undefined when an admin asked for the team (scope=team). */
  caller: Caller | undefined;
}

/**
 * Authorises, then parses, a usage range query. Authorisation comes first so that an
 * unauthenticated request is told to sign in before it is told its parameters are wrong;
 * scope=team needs an admin. Both of from/to or neither (then `fallback`), and `to` after `from`.
 */
export async function readUsageRange<S extends z.ZodType<RangeFields>>(
  c: Context,
  ctx: AppContext,
  schema: S,
  fallback: UsageRangeDefault,
  now: number = Date.now(),
): Promise<UsageRange<z.output<S>>> {
  const parsed = schema.safeParse(c.req.query());
  const team = parsed.success && parsed.data.scope === 'team';
  const caller = team ? undefined : await requireCaller(c, ctx, { local: true });
  if (team) await requireAdmin(c, ctx);
  if (!parsed.success) {
    throw new TaktError(
      'bad_request',
      parsed.error.issues
        .map((i) => (i.code === 'unrecognized_keys' ? `unknown parameter ${i.keys.join(', ')}` : i.message))
        .join('; '),
    );
  }
  const q = parsed.data;
  if ((q.from === undefined) !== (q.to === undefined)) {
    throw new TaktError('bad_request', `send both from and to (ISO 8601), or neither for ${fallback.description}`);
  }
  const { from, to } =
    q.from !== undefined && q.to !== undefined ? { from: q.from, to: q.to } : fallback.range(now, q.tz ?? 'UTC');
  if (!(to > from)) throw new TaktError('bad_request', '`to` must be later than `from`');
  return { query: q, from, to, caller };
}
