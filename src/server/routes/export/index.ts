import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { loadEffectivePrices } from '../../../billing/effective-prices.ts';
import { csvText } from '../../../lib/csv-text.ts';
import { TaktError } from '../../../lib/errors.ts';
import { EXPORT_COLUMNS, type ExportUser, exportLevels, exportUsage } from '../../../queries/export-usage.ts';
import { listUsers } from '../../../store/users.ts';
import { isTimeZone } from '../../../usage/local-time.ts';
import { monthlyWindow } from '../../../usage/windows.ts';
import type { AppContext } from '../../app-context.ts';
import { requireAdmin, requireCaller } from '../../authenticate.ts';

const isoTime = (name: string) =>
  z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), `${name} must be an ISO 8601 time such as 2026-11-01T00:00:00Z`)
    .transform((s) => Date.parse(s));

const exportQuery = z
  .object({
    format: z.enum(['csv', 'jsonl'], { error: 'format must be csv or jsonl' }).optional(),
    from: isoTime('from').optional(),
    to: isoTime('to').optional(),
    level: z.enum(exportLevels, { error: 'level must be request, session or day' }).optional(),
    tz: z.string().refine(isTimeZone, 'tz must be an IANA time zone such as Europe/Berlin or UTC').optional(),
    scope: z.enum(['me', 'team'], { error: 'scope must be me or team (team: admins only)' }).optional(),
  })
  .strict();

export function registerExportRoutes(app: Hono, ctx: AppContext): void {
  /**
   * GET /api/export?format=csv|jsonl&from&to&level=request|session|day&tz[&scope=team]: the
   * caller's usage (an admin's team with scope=team), counted once, streamed (docs/api.md).
   */
  app.get('/api/export', async (c) => {
    const parsed = exportQuery.safeParse(c.req.query());
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
      throw new TaktError('bad_request', 'send both from and to (ISO 8601), or neither for the current month');
    }
    const tz = q.tz ?? 'UTC';
    const month = monthlyWindow(Date.now(), 1, tz);
    const from = q.from ?? month.start;
    const to = q.to ?? month.end;
    if (!(to > from)) throw new TaktError('bad_request', '`to` must be later than `from`');
    const users: ExportUser[] = caller
      ? [{ id: caller.user.id, email: caller.user.email }]
      : (await listUsers(ctx.store.db)).map((u) => ({ id: u.id, email: u.email }));
    const format = q.format ?? 'csv';
    const level = q.level ?? 'request';
    const columns = team ? ['user', ...EXPORT_COLUMNS] : [...EXPORT_COLUMNS];
    const pages = exportUsage(ctx.store.db, {
      users,
      from,
      to,
      level,
      timeZone: tz,
      // list_cost_usd: the list table with the admin's contracted prices (docs/api.md, "Two costs").
      prices: (await loadEffectivePrices(ctx.store.db, ctx.prices)).table,
    });
    // The first page is read before answering: a store that fails at once is a proper error status.
    const first = await pages.next();
    return streamPages(c, first, pages, {
      format,
      columns,
      filename: `takt-usage-${level}-${new Date(from).toISOString().slice(0, 10)}.${format}`,
    });
  });
}

/**
 * The pages (the first already read) as a streamed body: pulled one page at a time as the client reads (backpressure),
 * so memory holds a page, not the export. A failure after the first byte can no longer change
 * the status: the stream is cut, which clients see as a truncated download.
 */
function streamPages(
  c: Context,
  first: IteratorResult<object[]>,
  pages: AsyncGenerator<object[]>,
  o: { format: 'csv' | 'jsonl'; columns: string[]; filename: string },
): Response {
  const encoder = new TextEncoder();
  let headerSent = false;
  let pending: IteratorResult<object[]> | undefined = first;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = pending ?? (await pages.next());
      pending = undefined;
      if (next.done) {
        if (o.format === 'csv' && !headerSent) controller.enqueue(encoder.encode(csvText([], o.columns, true)));
        controller.close();
        return;
      }
      const text =
        o.format === 'csv'
          ? csvText(next.value as Record<string, unknown>[], o.columns, !headerSent)
          : next.value.map((r) => `${JSON.stringify(r, o.columns)}\n`).join('');
      headerSent = true;
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
  return c.body(body, 200, {
    'content-type':
      o.format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8',
    'content-disposition': `attachment; filename="${o.filename}"`,
    'cache-control': 'no-store',
  });
}
