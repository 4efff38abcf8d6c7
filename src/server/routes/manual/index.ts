import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { recordAudit } from '../../../audit/record-audit.ts';
import { MAX_TOKENS_PER_POINT } from '../../../ingest/sane-values.ts';
import { TaktError } from '../../../lib/errors.ts';
import { responseCostUsd } from '../../../pricing/calculate-cost.ts';
import { resolveModelPrice } from '../../../pricing/price-table.ts';
import {
  deleteManualEntry,
  insertManualEntry,
  listManualEntries,
  type ManualEntry,
} from '../../../store/manual-entries.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { pricesFor } from '../limits/prices.ts';

const tokens = z
  .number()
  .int('a token count must be a whole number')
  .min(0, 'a token count cannot be negative')
  .max(MAX_TOKENS_PER_POINT - 1, `a token count must be below 2^40 (${MAX_TOKENS_PER_POINT})`);

/** Seed 002's {input, output, note}, with seed 003's cache figures and an optional model and time. */
const entryBody = z.object({
  input: tokens,
  output: tokens,
  cache_read: tokens.default(0),
  cache_creation: tokens.default(0),
  note: z.string().max(1000).optional(),
  model: z.string().min(1).max(200).optional(),
  at: z.union([z.string(), z.number()]).optional(),
});

const deleteByIndex = z.object({ index: z.number().int().min(0, 'index is 0 for the oldest entry') });

/** The entry as the API shows it: every figure labelled as manual. */
function entryView(e: ManualEntry, index: number) {
  return {
    id: e.id,
    index,
    source: 'manual' as const,
    at: new Date(e.at).toISOString(),
    input: e.input_tokens,
    output: e.output_tokens,
    cache_read: e.cache_read_tokens,
    cache_creation: e.cache_creation_tokens,
    cost_usd: e.cost_usd,
    model: e.model === '' ? null : e.model,
    note: e.note,
  };
}

export function registerManualRoutes(app: Hono, ctx: AppContext): void {
  const create = async (c: Context) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const body = await readJson(c, entryBody);
    const now = Date.now();
    const at = body.at === undefined ? now : typeof body.at === 'number' ? body.at : Date.parse(body.at);
    if (!Number.isFinite(at) || at <= 0) {
      throw new TaktError('bad_request', 'at: send an ISO 8601 time or epoch milliseconds, or leave it out for now');
    }
    const model = body.model ?? '';
    const price = model === '' ? undefined : resolveModelPrice(pricesFor(ctx.config.home), model);
    // Without a known model the entry has tokens and no cost: a price would be a guess.
    const cost = price
      ? responseCostUsd(price.price, {
          input: body.input,
          output: body.output,
          cacheWrite5m: body.cache_creation,
          cacheWrite1h: 0,
          cacheRead: body.cache_read,
          fast: false,
        })
      : 0;
    const entry = await ctx.store.transaction(async (trx) => {
      const e = await insertManualEntry(trx, {
        userId: caller.user.id,
        at: Math.floor(at),
        note: body.note ?? null,
        model,
        now,
        usage: {
          input_tokens: body.input,
          output_tokens: body.output,
          cache_read_tokens: body.cache_read,
          cache_creation_tokens: body.cache_creation,
          cache_creation_5m_tokens: body.cache_creation,
          cache_creation_1h_tokens: 0,
          cost_usd: cost,
        },
      });
      await recordAudit(
        trx,
        { userId: caller.user.id, address: addressOf(c, ctx) },
        { action: 'manual_entry.create', targetType: 'manual_entry', targetId: e.id, after: entryView(e, -1) },
      );
      return e;
    });
    ctx.changes.publish(caller.user.id, 'usage');
    const index = (await listManualEntries(ctx.store.db, caller.user.id)).findIndex((e) => e.id === entry.id);
    return c.json(entryView(entry, index), 201);
  };

  const remove = async (c: Context, pick: (entries: ManualEntry[]) => ManualEntry | undefined, what: string) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const deleted = await ctx.store.transaction(async (trx) => {
      const entries = await listManualEntries(trx, caller.user.id);
      const target = pick(entries);
      if (!target) return undefined;
      const e = await deleteManualEntry(trx, caller.user.id, target.id);
      if (!e) return undefined;
      await recordAudit(
        trx,
        { userId: caller.user.id, address: addressOf(c, ctx) },
        {
          action: 'manual_entry.delete',
          targetType: 'manual_entry',
          targetId: e.id,
          before: entryView(e, entries.indexOf(target)),
        },
      );
      return { entry: e, index: entries.indexOf(target) };
    });
    if (!deleted) {
      throw new TaktError('not_found', `no manual entry ${what}: list them with GET /api/manual-entries`);
    }
    ctx.changes.publish(caller.user.id, 'usage');
    return c.json({ deleted: entryView(deleted.entry, deleted.index) });
  };

  /** POST /api/session (seed 002) and POST /api/manual-entries: a usage entry typed in by hand. */
  app.post('/api/session', create);
  app.post('/api/manual-entries', create);

  /** GET /api/manual-entries: the caller's manual entries, oldest first, with the index seed 002 deletes by. */
  app.get('/api/manual-entries', async (c) => {
    const caller = await requireCaller(c, ctx);
    const entries = await listManualEntries(ctx.store.db, caller.user.id);
    return c.json({ entries: entries.map((e, i) => entryView(e, i)) });
  });

  /** DELETE /api/manual-entries/{id}: removes an entry and its figures (audited). */
  app.delete('/api/manual-entries/:id', (c) => {
    const id = c.req.param('id');
    return remove(c, (entries) => entries.find((e) => e.id === id), `with id ${id}`);
  });

  /** POST /api/delete-session {index} (seed 002): deletes the index-th entry, oldest first. */
  app.post('/api/delete-session', async (c) => {
    await requireCaller(c, ctx, { write: true });
    const { index } = await readJson(c, deleteByIndex);
    return remove(c, (entries) => entries[index], `at index ${index}`);
  });
}
