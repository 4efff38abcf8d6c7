import type { Hono } from 'hono';
import { z } from 'zod';
import { recordOfficialUsage } from '../../../limits/record-official-usage.ts';
import { observationSources } from '../../../usage/limit-types.ts';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { time } from './fields.ts';

const officialUsageBody = z
  .object({
    source: z.enum(observationSources, { error: `source must be one of ${observationSources.join(', ')}` }),
    captured_at: time.optional(),
    session_id: z.string().min(1).max(200).optional(),
    account_uuid: z.string().min(1).max(200).optional(),
    organization_id: z.string().min(1).max(200).optional(),
    rate_limits: z.unknown().optional(),
    usage: z.unknown().optional(),
  })
  // Strict like PATCH /api/accounts/{id}: a misspelt field (account_id) is a 400 naming it, not silently dropped.
  .strict();

export function registerOfficialUsageRoute(app: Hono, ctx: AppContext): void {
  /** POST /api/official-usage: what Claude Code or Anthropic said (status line rate_limits, OAuth usage). */
  app.post('/api/official-usage', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const body = await readJson(c, officialUsageBody);
    const now = Date.now();
    const r = await recordOfficialUsage(ctx.store, {
      userId: caller.user.id,
      input: body,
      now,
      prices: ctx.prices,
      accountsMax: ctx.config.accountsPerUserMax,
    });
    if (r.stored > 0) ctx.changes.publish(caller.user.id, 'official');
    return c.json(
      {
        account: r.account,
        captured_at: new Date(r.captured_at).toISOString(),
        windows: r.windows.map((w) => w.window),
        stored: r.stored,
        duplicates: r.duplicates,
        errors: r.errors,
        calibration_rejected: r.rejectedSamples.map((s) => ({
          window: s.window,
          unit: s.unit,
          at: new Date(Number(s.at)).toISOString(),
          implied_capacity: s.implied_capacity,
          reason: s.reason,
        })),
      },
      r.stored > 0 ? 201 : 200,
    );
  });
}
