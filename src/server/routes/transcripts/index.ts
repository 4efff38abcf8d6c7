import type { Hono } from 'hono';
import { z } from 'zod';
import { TaktError } from '../../../lib/errors.ts';
import type { TranscriptObservation } from '../../../recording/observations.ts';
import { upsertSessionProjects } from '../../../store/session-projects.ts';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';
import { decompressBody, mediaTypeOf, readRequestBody } from '../../read-body.ts';
import { checkRecord, id, name, observationOf, timeOf, transcriptRecord } from '../../transcript-observation.ts';

/**
 * A batch of transcript records is far larger than an API form: `takt sync` sends up to
 * 2,000 records (~0.7 MB of JSON, ~0.1 MB gzipped). 8 MB, enforced while reading and again
 * after decompression, leaves room for any batch a client sends while still stopping a flood.
 */
export const TRANSCRIPT_BODY_LIMIT = 8 * 1024 * 1024;
export const MAX_RECORDS_PER_BATCH = 5000;
const HINT = `send at most ${MAX_RECORDS_PER_BATCH} records per request (takt sync does)`;

const batch = z.object({
  host_name: name.optional(),
  account_uuid: id.optional(),
  records: z.array(z.unknown()).max(MAX_RECORDS_PER_BATCH, HINT),
});

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
      const r = transcriptRecord.safeParse(item);
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
