import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { checkUsageTime, MAX_TOKENS_PER_POINT } from '../../../ingest/sane-values.ts';
import { TaktError } from '../../../lib/errors.ts';
import { createManualEntry } from '../../../manual/actions/create-manual-entry.ts';
import { deleteManualEntryAction } from '../../../manual/actions/delete-manual-entry.ts';
import { manualEntryView } from '../../../manual/entry-view.ts';
import { resolveModelPrice } from '../../../pricing/price-table.ts';
import { listManualEntries } from '../../../store/manual-entries.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';

const tokens = z
  .number()
  .int('a token count must be a whole number')
  .min(0, 'a token count cannot be negative')
  .max(MAX_TOKENS_PER_POINT - 1, `a token count must be below 2^40 (${MAX_TOKENS_PER_POINT})`);

/** Seed 002's {input, output, note}, with seed 003's cache figures and an optional model, time and account. */
const entryBody = z.object({
  input: tokens,
  output: tokens,
  cache_read: tokens.default(0),
  cache_creation: tokens.default(0),
  note: z.string().max(1000).optional(),
  model: z.string().min(1).max(200).optional(),
  at: z.union([z.string(), z.number()]).optional(),
  account: z.string().min(1).max(200).optional(),
});

const deleteByIndex = z.object({ index: z.number().int().min(0, 'index is 0 for the oldest entry') });

/** `at`: ISO 8601 or epoch milliseconds, within ingest's time rule (sane-values.ts), else 400 with the range. */
function entryTime(at: string | number | undefined, now: number): number {
  if (at === undefined) return now;
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (typeof at === 'string' && Number.isNaN(ms)) {
    throw new TaktError(
      'bad_request',
      `at ${JSON.stringify(at.slice(0, 40))} is not a time: send an ISO 8601 time or epoch milliseconds, or leave it out for now`,
    );
  }
  const checked = checkUsageTime(ms, 'at', now);
  if ('error' in checked) {
    throw new TaktError(
      'bad_request',
      `${checked.error}; send an ISO 8601 time or epoch milliseconds, or leave it out for now`,
    );
  }
  return Math.floor(checked.value);
}

export function registerManualRoutes(app: Hono, ctx: AppContext): void {
  const create = async (c: Context) => {
    const caller = await requireCaller(c, ctx, { write: true, local: true });
    const body = await readJson(c, entryBody);
    const now = Date.now();
    const entry = await createManualEntry(
      ctx.store,
      { userId: caller.user.id, address: addressOf(c, ctx) },
      { ...body, at: entryTime(body.at, now) },
      ctx.prices,
      now,
    );
    ctx.changes.publish(caller.user.id, 'usage');
    return c.json(entry, 201);
  };

  const remove = async (c: Context, which: { id: string } | { index: number }) => {
    const caller = await requireCaller(c, ctx, { write: true, local: true });
    const deleted = await deleteManualEntryAction(
      ctx.store,
      { userId: caller.user.id, address: addressOf(c, ctx) },
      which,
      ctx.prices,
    );
    ctx.changes.publish(caller.user.id, 'usage');
    return c.json({ deleted });
  };

  /** POST /api/session (seed 002) and POST /api/manual-entries: a usage entry typed in by hand. */
  app.post('/api/session', create);
  app.post('/api/manual-entries', create);

  /** GET /api/manual-entries: the caller's manual entries, oldest first, with the index seed 002 deletes by. */
  app.get('/api/manual-entries', async (c) => {
    const caller = await requireCaller(c, ctx, { local: true });
    const prices = ctx.prices;
    const entries = await listManualEntries(ctx.store.db, caller.user.id);
    return c.json({
      entries: entries.map((e, i) =>
        manualEntryView(e, i, e.model !== '' && resolveModelPrice(prices, e.model) !== undefined),
      ),
    });
  });

  /** DELETE /api/manual-entries/{id}: removes an entry and its figures (audited). */
  app.delete('/api/manual-entries/:id', (c) => remove(c, { id: c.req.param('id') }));

  /** POST /api/delete-session {index} (seed 002): deletes the index-th entry, oldest first. */
  app.post('/api/delete-session', async (c) => {
    await requireCaller(c, ctx, { write: true, local: true });
    const { index } = await readJson(c, deleteByIndex);
    return remove(c, { index });
  });
}
