import type { Hono } from 'hono';
import { z } from 'zod';
import { MAX_TOKENS_PER_POINT } from '../../../ingest/sane-values.ts';
import { TaktError } from '../../../lib/errors.ts';
import { responseCostUsd } from '../../../pricing/calculate-cost.ts';
import { type PriceTable, resolveModelPrice } from '../../../pricing/price-table.ts';
import type { AccountRef, TranscriptObservation } from '../../../recording/observations.ts';
import { upsertSessionProjects } from '../../../store/session-projects.ts';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';
import { decompressBody, mediaTypeOf, readRequestBody } from '../../read-body.ts';

/**
 * A batch of transcript records is far larger than an API form: `takt sync` sends up to
 * 2,000 records (~0.7 MB of JSON, ~0.1 MB gzipped). 8 MB, enforced while reading and again
 * after decompression, leaves room for any batch a client sends while still stopping a flood.
 */
export const TRANSCRIPT_BODY_LIMIT = 8 * 1024 * 1024;
export const MAX_RECORDS_PER_BATCH = 5000;
const HINT = `send at most ${MAX_RECORDS_PER_BATCH} records per request (takt sync does)`;

const tokens = z
  .number()
  .int('a token count must be a whole number')
  .min(0, 'a token count cannot be negative')
  .max(MAX_TOKENS_PER_POINT - 1, `a token count must be below 2^40 (${MAX_TOKENS_PER_POINT})`);
const id = z.string().min(1).max(200);
const name = z.string().max(255);

const record = z
  .object({
    message_id: id.optional(),
    request_id: id.optional(),
    session_id: z.string().max(200),
    timestamp: z.union([z.string(), z.number()]),
    model: z.string().min(1).max(200),
    input_tokens: tokens,
    output_tokens: tokens,
    cache_read_tokens: tokens.default(0),
    cache_creation_tokens: tokens.optional(),
    cache_creation_5m_tokens: tokens.optional(),
    cache_creation_1h_tokens: tokens.optional(),
    fast: z.boolean().optional(),
    /** costUSD of older Claude Code versions: used only for a model the price table does not know. */
    cost_usd: z.number().finite().min(0).max(1_000_000).optional(),
    cwd: z.string().max(4096).optional(),
    project: z.string().max(4096).optional(),
    host_name: name.optional(),
    account_uuid: id.optional(),
  })
  .refine((r) => r.message_id !== undefined || r.request_id !== undefined, {
    message: 'a record needs message_id or request_id: it is how a re-upload is recognised',
  });

const batch = z.object({
  host_name: name.optional(),
  account_uuid: id.optional(),
  records: z.array(z.unknown()).max(MAX_RECORDS_PER_BATCH, HINT),
});

type TranscriptRecord = z.infer<typeof record>;

function timeOf(t: string | number): number {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  return Number.isFinite(ms) && ms > 0 && ms < 8.64e15 ? Math.floor(ms) : Number.NaN;
}

export function registerTranscriptRoutes(app: Hono, ctx: AppContext): void {
  /**
   * POST /api/transcript-usage: per-response usage read from Claude Code's transcripts
   * (`takt sync`). Stored as source 'transcript', once per message id; a request whose
   * api_request event is stored already is a duplicate (docs/decisions.md). Invalid records
   * are rejected one by one (named by index); the others are stored.
   */
  app.post('/api/transcript-usage', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const type = mediaTypeOf(c);
    if (type !== 'application/json') {
      throw new TaktError(
        'unsupported_media_type',
        `Content-Type ${type || '(none)'} is not accepted: send the batch as application/json (gzip allowed)`,
      );
    }
    const raw = await readRequestBody(c, TRANSCRIPT_BODY_LIMIT, HINT);
    const text = (await decompressBody(raw, c.req.header('content-encoding'), TRANSCRIPT_BODY_LIMIT)).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TaktError('bad_request', 'the body is not valid JSON: send {"records": [...]} (docs/api.md)');
    }
    const parsed = batch.safeParse(body);
    if (!parsed.success) {
      throw new TaktError(
        'bad_request',
        parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '),
      );
    }
    const prices = ctx.prices;
    const observations: TranscriptObservation[] = [];
    const rejected: { index: number; message: string }[] = [];
    const projects: { sessionId: string; cwd: string; at: number }[] = [];
    for (const [index, item] of parsed.data.records.entries()) {
      const r = record.safeParse(item);
      const problem = r.success ? checkRecord(r.data) : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      if (!r.success || problem.length > 0) {
        rejected.push({ index, message: (problem as string[]).join('; ') });
        continue;
      }
      observations.push(observationOf(r.data, parsed.data.host_name, parsed.data.account_uuid, prices));
      if (r.data.cwd) projects.push({ sessionId: r.data.session_id, cwd: r.data.cwd, at: timeOf(r.data.timestamp) });
    }
    const result = await ctx.recorder.record(caller.user.id, observations, caller.tokenId ?? '');
    await upsertSessionProjects(ctx.store.db, caller.user.id, projects);
    return c.json(
      { received: parsed.data.records.length, stored: result.stored, duplicates: result.duplicates, rejected },
      result.stored > 0 ? 201 : 200,
    );
  });
}

function checkRecord(r: TranscriptRecord): string[] {
  const problems: string[] = [];
  if (Number.isNaN(timeOf(r.timestamp))) problems.push('timestamp: send an ISO 8601 time or epoch milliseconds');
  const split = (r.cache_creation_5m_tokens ?? 0) + (r.cache_creation_1h_tokens ?? 0);
  if (
    r.cache_creation_tokens !== undefined &&
    (r.cache_creation_5m_tokens !== undefined || r.cache_creation_1h_tokens !== undefined) &&
    split !== r.cache_creation_tokens
  ) {
    problems.push('cache_creation_tokens must equal cache_creation_5m_tokens + cache_creation_1h_tokens');
  }
  return problems;
}

function observationOf(
  r: TranscriptRecord,
  batchHost: string | undefined,
  batchAccount: string | undefined,
  prices: PriceTable,
): TranscriptObservation {
  // Without the split, every cache write is a 5-minute one (the API's default).
  const hasSplit = r.cache_creation_5m_tokens !== undefined || r.cache_creation_1h_tokens !== undefined;
  const write1h = r.cache_creation_1h_tokens ?? 0;
  const write5m = hasSplit ? (r.cache_creation_5m_tokens ?? 0) : (r.cache_creation_tokens ?? 0);
  const price = resolveModelPrice(prices, r.model);
  const cost = price
    ? responseCostUsd(price.price, {
        input: r.input_tokens,
        output: r.output_tokens,
        cacheWrite5m: write5m,
        cacheWrite1h: write1h,
        cacheRead: r.cache_read_tokens,
        fast: r.fast === true,
      })
    : (r.cost_usd ?? 0);
  const accountUuid = r.account_uuid ?? batchAccount;
  const account: AccountRef | null = accountUuid
    ? { key: accountUuid, accountUuid, organizationId: null, email: null }
    : null;
  return {
    type: 'transcript',
    key: (r.message_id ?? r.request_id) as string,
    timeMs: timeOf(r.timestamp),
    ctx: { hostName: r.host_name ?? batchHost ?? '', account, sessionId: r.session_id },
    model: r.model,
    requestId: r.request_id ?? null,
    tokens: {
      input_tokens: r.input_tokens,
      output_tokens: r.output_tokens,
      cache_read_tokens: r.cache_read_tokens,
      cache_creation_tokens: write5m + write1h,
      cache_creation_5m_tokens: write5m,
      cache_creation_1h_tokens: write1h,
      cost_usd: cost,
    },
  };
}
