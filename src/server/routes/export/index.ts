import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { loadEffectivePrices } from '../../../billing/effective-prices.ts';
import { csvText } from '../../../lib/csv-text.ts';
import { EXPORT_COLUMNS, type ExportUser, exportLevels, exportUsage } from '../../../queries/export-usage.ts';
import { listUsers } from '../../../store/users.ts';
import { monthlyWindow } from '../../../usage/windows.ts';
import type { AppContext } from '../../app-context.ts';
import { readUsageRange, usageRangeSchema } from '../usage-range-query.ts';

const exportQuery = usageRangeSchema({
  format: z.enum(['csv', 'jsonl'], { error: 'format must be csv or jsonl' }).optional(),
  level: z.enum(exportLevels, { error: 'level must be request, session or day' }).optional(),
});

/** Without from/to: the current calendar month in `tz`. */
const currentMonth = {
  range: (now: number, tz: string) => {
    const month = monthlyWindow(now, 1, tz);
    return { from: month.start, to: month.end };
  },
  description: 'the current month',
};

export function registerExportRoutes(app: Hono, ctx: AppContext): void {
  /**
   * GET /api/export?format=csv|jsonl&from&to&level=request|session|day&tz[&scope=team]: the
   * caller's usage (an admin's team with scope=team), counted once, streamed (docs/api.md).
   */
  app.get('/api/export', async (c) => {
    const { query: q, from, to, caller } = await readUsageRange(c, ctx, exportQuery, currentMonth);
    const team = caller === undefined;
    const tz = q.tz ?? 'UTC';
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
