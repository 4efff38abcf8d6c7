import { closeSync, openSync, readSync } from 'node:fs';
import { type LimitHit, limitHitOfLine } from './limit-hits.ts';
import { reduceLine, usageLineOf } from './scan-usage-lines.ts';

/**
 * One API response as `takt sync` uploads it (POST /api/transcript-usage). The transcript
 * engine's index keeps only a hash of each response's key, not the message and request ids
 * the server joins sources by, so sync reads the transcripts itself, with the engine's line
 * reader (reduceLine, usageLineOf): the same lines, the same figures.
 */
export interface SyncRecord {
  message_id?: string;
  request_id?: string;
  session_id: string;
  /** Epoch ms. */
  timestamp: number;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_5m_tokens: number;
  cache_creation_1h_tokens: number;
  fast?: boolean;
  cost_usd?: number;
  cwd?: string;
}

/** The key a record is known by: its message id, else its request id. */
export const recordKey = (r: SyncRecord): string => (r.message_id ?? r.request_id) as string;

/**
 * The same response seen again (streaming snapshots, a resumed session's copy, a sidechain
 * replay): each token field keeps its largest value and the earliest time, as the engine does.
 */
export function mergeRecord(into: SyncRecord, from: SyncRecord): void {
  into.input_tokens = Math.max(into.input_tokens, from.input_tokens);
  into.output_tokens = Math.max(into.output_tokens, from.output_tokens);
  into.cache_read_tokens = Math.max(into.cache_read_tokens, from.cache_read_tokens);
  into.cache_creation_5m_tokens = Math.max(into.cache_creation_5m_tokens, from.cache_creation_5m_tokens);
  into.cache_creation_1h_tokens = Math.max(into.cache_creation_1h_tokens, from.cache_creation_1h_tokens);
  into.timestamp = Math.min(into.timestamp, from.timestamp);
  if (from.fast) into.fast = true;
  if (into.request_id === undefined && from.request_id !== undefined) into.request_id = from.request_id;
}

export interface ReadResult {
  records: SyncRecord[];
  hits: LimitHit[];
  /** Just past the last whole line read: where the next read starts. */
  nextOffset: number;
  /** Usage lines without message or request id: they cannot be uploaded idempotently. */
  keyless: number;
}

const USAGE_NEEDLE = Buffer.from('_tokens":');
const HIT_NEEDLES = [Buffer.from('"rate_limit"'), Buffer.from('usage limit reached')];
const CHUNK = 8 << 20;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Reads the whole lines of `path` from `offset` to `size` (a line still being written is left
 * for the next read), in chunks, and returns their usage records and limit hits.
 */
export function readTranscriptRecords(path: string, offset: number, size: number): ReadResult {
  const out: ReadResult = { records: [], hits: [], nextOffset: offset, keyless: 0 };
  if (size <= offset) return out;
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(Math.min(CHUNK, size - offset));
    let position = offset;
    while (position < size) {
      const want = Math.min(buf.length, size - position);
      const got = readSync(fd, buf, 0, want, position);
      if (got <= 0) break;
      const lastNewline = buf.lastIndexOf(0x0a, got - 1);
      if (lastNewline === -1) {
        // One line longer than the buffer: read it with a larger one.
        if (want < size - position) {
          buf = Buffer.allocUnsafe(buf.length * 2);
          continue;
        }
        break; // an unfinished last line: read it when it is complete
      }
      scanChunk(buf, lastNewline + 1, out);
      position += lastNewline + 1;
      out.nextOffset = position;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

function scanChunk(buf: Buffer, end: number, out: ReadResult): void {
  const view = buf.subarray(0, end);
  let pos = 0;
  while (pos < end) {
    const hit = view.indexOf(USAGE_NEEDLE, pos);
    if (hit === -1) break;
    const lineStart = view.lastIndexOf(0x0a, hit) + 1;
    let lineEnd = view.indexOf(0x0a, hit);
    if (lineEnd === -1) lineEnd = end;
    const records = recordsOfLine(view, lineStart, lineEnd);
    if (records === 'keyless') out.keyless++;
    else if (records) out.records.push(...records);
    pos = lineEnd + 1;
  }
  const seen = new Set<number>();
  for (const needle of HIT_NEEDLES) {
    let at = 0;
    for (;;) {
      const found = view.indexOf(needle, at);
      if (found === -1) break;
      const lineStart = view.lastIndexOf(0x0a, found) + 1;
      let lineEnd = view.indexOf(0x0a, found);
      if (lineEnd === -1) lineEnd = end;
      if (!seen.has(lineStart)) {
        seen.add(lineStart);
        const h = limitHitOfLine(view.toString('utf8', lineStart, lineEnd));
        if (h) out.hits.push(h);
      }
      at = lineEnd + 1;
    }
  }
}

/**
 * The records of one line: the response, then each of its other `usage.iterations[]` (a
 * compaction step, an advisor call at its own model) under its own message id
 * `<id>#<type>#<model>` and without the request id (the server keeps one row per request id;
 * the response's own record carries it).
 */
function recordsOfLine(buf: Buffer, start: number, end: number): SyncRecord[] | 'keyless' | undefined {
  const reduced = reduceLine(buf, start, end);
  if (reduced === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(reduced);
  } catch {
    return undefined;
  }
  const usage = usageLineOf(parsed);
  if (usage === undefined || usage === 'synthetic' || !isObject(parsed)) return undefined;
  // usageLineOf read the same holder: a progress record carries a subagent's message inside.
  const holder = parsed.type === 'progress' && isObject(parsed.data) ? (parsed.data.message as Json) : parsed;
  const message = isObject(holder) && isObject(holder.message) ? holder.message : {};
  const messageId = str(message.id);
  const requestId = isObject(holder) ? str(holder.requestId) : undefined;
  if (messageId === undefined && requestId === undefined) return 'keyless';
  const record: SyncRecord = {
    session_id: usage.sessionId,
    timestamp: usage.timestampMs,
    model: usage.model,
    input_tokens: usage.input,
    output_tokens: usage.output,
    cache_read_tokens: usage.cacheRead,
    cache_creation_5m_tokens: usage.cacheWrite5m,
    cache_creation_1h_tokens: usage.cacheWrite1h,
  };
  if (messageId !== undefined) record.message_id = messageId;
  if (requestId !== undefined) record.request_id = requestId;
  if (usage.fast) record.fast = true;
  if (!Number.isNaN(usage.reportedCostUsd)) record.cost_usd = usage.reportedCostUsd;
  const cwd = str(parsed.cwd);
  if (cwd !== undefined) record.cwd = cwd;
  const out = [record];
  for (const e of usage.extra ?? []) {
    const part: SyncRecord = {
      message_id: e.key,
      session_id: e.sessionId,
      timestamp: e.timestampMs,
      model: e.model,
      input_tokens: e.input,
      output_tokens: e.output,
      cache_read_tokens: e.cacheRead,
      cache_creation_5m_tokens: e.cacheWrite5m,
      cache_creation_1h_tokens: e.cacheWrite1h,
    };
    if (e.fast) part.fast = true;
    if (cwd !== undefined) part.cwd = cwd;
    out.push(part);
  }
  return out;
}
