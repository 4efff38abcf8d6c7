import { closingQuote } from './closing-quote.ts';
import { iterationCode } from './iteration-types.ts';
import { usageFieldsOfLine } from './usage-fields-of-line.ts';

/**
 * Finds the usage records in a run of transcript bytes without parsing every line.
 *
 * Every usage object has `input_tokens` and `output_tokens` keys, so a line that does
 * not contain the bytes `_tokens":` cannot carry usage and is skipped at memchr speed.
 * A candidate line is read by usageFieldsOfLine, which checks it as JSON.parse would and
 * builds only the fields usageLineOf reads (on a large read a WebAssembly module reads it
 * first, usage-scan-wasm.ts, and leaves it here only when it cannot). A line usageFieldsOfLine
 * declines (cut off mid-write, not JSON, or JSON in a form Claude Code does not write) is read
 * the slow way: checked for balance (a line cut off is a strict prefix of an object, so it
 * never balances) while long string values — message text, thinking, tool input — are cut
 * out; what is left (keys, ids, numbers) is small and goes to JSON.parse. Either way the line
 * is read exactly as JSON.parse would read it.
 */

const NEEDLE = Buffer.from('_tokens":');
const NEWLINE = 0x0a;
const QUOTE = 0x22;
/** Strings at least this long are replaced by "" before parsing: no field takt reads is that long. */
const LONG_STRING = 160;

export interface UsageLine {
  /** message.id, else requestId; '' when the line has neither (then it is never deduplicated). */
  key: string;
  /**
   * lookupHash(key) (NaN: no key), when a worker thread read the line: it hashes the key there
   * and sends the number instead of the string. Then `key` is ''.
   */
  keyHash?: number;
  timestampMs: number;
  model: string;
  sessionId: string;
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
  fast: boolean;
  /** costUSD written by older Claude Code versions; NaN when absent. */
  reportedCostUsd: number;
  /**
   * Which part of the response (iteration-types.ts): 0 the message itself (top-level usage or
   * its `message` iterations), else a server-side step of `usage.iterations[]` counted as its
   * own row (compaction, an advisor call at its own model).
   */
  iteration?: number;
  /** The response's other iterations, each its own row (key `<key>#<type>#<model>`): usageLineOf sets it. */
  extra?: UsageLine[];
}

/** A reader's answer for a line it leaves to usageFieldsOfLine and usageLineOf. */
export const LEFT = Symbol('left to usageFieldsOfLine');
/** What reads a candidate line's usage before them on a large read: the WebAssembly module (usage-scan-wasm.ts). */
export type UsageReader = (
  buf: Buffer,
  start: number,
  end: number,
) => UsageLine | 'synthetic' | undefined | typeof LEFT;

export interface SkippedLine {
  /** Byte offset of the line in its file. */
  offset: number;
  reason: string;
}

export interface ScanResult {
  lines: UsageLine[];
  skipped: SkippedLine[];
  /** Error records of model `<synthetic>`: no usage, not counted. */
  synthetic: number;
}

/**
 * Scans buf[start, end) — whole lines only: `end` is just past a newline or the end of
 * a file's complete content. `fileOffset` is the file position of `start`.
 */
export function scanUsageLines(
  buf: Buffer,
  start: number,
  end: number,
  fileOffset: number,
  into: ScanResult,
  wasm?: UsageReader,
): void {
  const view = end === buf.length ? buf : buf.subarray(0, end);
  let pos = start;
  while (pos < end) {
    const hit = view.indexOf(NEEDLE, pos);
    if (hit === -1) return;
    const lineStart = view.lastIndexOf(NEWLINE, hit) + 1;
    let lineEnd = view.indexOf(NEWLINE, hit);
    if (lineEnd === -1) lineEnd = end;
    readCandidate(view, Math.max(lineStart, start), lineEnd, fileOffset - start, into, wasm);
    pos = lineEnd + 1;
  }
}

function readCandidate(
  buf: Buffer,
  start: number,
  end: number,
  delta: number,
  into: ScanResult,
  wasm: UsageReader | undefined,
): void {
  let usage = wasm === undefined ? LEFT : wasm(buf, start, end);
  if (usage === LEFT) {
    let record: unknown = usageFieldsOfLine(buf, start, end);
    if (record === undefined) {
      // Not the plain JSON Claude Code writes: the slow way decides what the line is.
      const reduced = reduceLine(buf, start, end);
      if (reduced === undefined) {
        into.skipped.push({ offset: start + delta, reason: 'cut off or unbalanced JSON' });
        return;
      }
      try {
        record = JSON.parse(reduced);
      } catch (error) {
        into.skipped.push({ offset: start + delta, reason: `not JSON: ${(error as Error).message}` });
        return;
      }
    }
    usage = usageLineOf(record);
  }
  if (usage === 'synthetic') into.synthetic++;
  else if (usage === undefined) return;
  else if (!tokensFit(usage) || (usage.extra !== undefined && !usage.extra.every(tokensFit)))
    into.skipped.push({ offset: start + delta, reason: TOKENS_MISFIT });
  else {
    into.lines.push(usage);
    if (usage.extra !== undefined) {
      for (const e of usage.extra) into.lines.push(e);
      delete usage.extra;
    }
  }
}

/**
 * The line with every array emptied and long strings cut to "", or undefined when it
 * does not balance (brackets and quotes): a truncated line is skipped whole, even if
 * usage survived. No field takt reads sits inside an array (message content, todo
 * lists and normalizedMessages do), so what JSON.parse sees is a few hundred bytes —
 * except `"iterations":[…]` (usage.iterations, billed tokens outside the top-level usage),
 * kept whole; the check costs a few byte comparisons per array opened.
 */
export function reduceLine(buf: Buffer, start: number, end: number): string | undefined {
  while (end > start && (buf[end - 1] === 0x0d || buf[end - 1] === 0x20)) end--;
  if (buf[start] !== 0x7b || buf[end - 1] !== 0x7d) return undefined; // must be one object: { … }
  // What is kept is copied into one scratch buffer and read out as one string at the end:
  // no string per kept piece, and JSON.parse gets a flat string.
  if (scratch.length < end - start) scratch = Buffer.allocUnsafe(Math.max(end - start, 2 * scratch.length));
  let kept = 0;
  let copied = start;
  let depth = 0;
  let arrays = 0;
  /** Open `"iterations":` arrays, kept as they are (they open only outside emptied arrays). */
  let kept_ = 0;
  let i = start;
  while (i < end) {
    const c = buf[i];
    if (c === QUOTE) {
      const j = closingQuote(buf, i + 1, end);
      if (j === -1) return undefined;
      if (arrays === 0 && j - i > LONG_STRING) {
        kept += buf.copy(scratch, kept, copied, i);
        scratch[kept++] = QUOTE;
        scratch[kept++] = QUOTE;
        copied = j + 1;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b) depth++;
    else if (c === 0x5b) {
      depth++;
      if (arrays === 0 && isIterationsKey(buf, start, i)) kept_++;
      else if (arrays++ === 0) kept += buf.copy(scratch, kept, copied, i + 1);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (c === 0x5d && arrays === 0 && kept_ > 0) kept_--;
      else if (c === 0x5d && --arrays === 0) copied = i;
      if (depth === 0 && i !== end - 1) return undefined; // something after the object closed
      if (arrays < 0) return undefined;
    }
    i++;
  }
  if (depth !== 0 || arrays !== 0 || kept_ !== 0) return undefined;
  if (copied === start) return buf.toString('latin1', start, end);
  kept += buf.copy(scratch, kept, copied, end);
  return scratch.toString('latin1', 0, kept);
}

const ITERATIONS_KEY = Buffer.from('"iterations":');

/** Whether the array opening at `at` is the value of an `"iterations"` key (one space allowed). */
function isIterationsKey(buf: Buffer, start: number, at: number): boolean {
  let end = at;
  if (buf[end - 1] === 0x20) end--;
  const from = end - ITERATIONS_KEY.length;
  return (
    from >= start &&
    buf[end - 1] === 0x3a &&
    buf[end - 3] === 0x73 &&
    buf.compare(ITERATIONS_KEY, 0, ITERATIONS_KEY.length, from, end) === 0
  );
}

/** reduceLine's output buffer: never longer than the longest line reduced (one per thread). */
let scratch = Buffer.allocUnsafe(64 << 10);

const TOKENS_MISFIT = 'a token count is not a whole number from 0 to 4294967295';
const MAX_TOKENS = 0xffff_ffff;
/** The index keeps token counts as 32-bit integers: anything else is not a real count. */
const tokensFit = (u: UsageLine) =>
  Number.isInteger(u.input) &&
  Number.isInteger(u.output) &&
  Number.isInteger(u.cacheWrite5m) &&
  Number.isInteger(u.cacheWrite1h) &&
  Number.isInteger(u.cacheRead) &&
  Math.max(u.input, u.output, u.cacheWrite5m + u.cacheWrite1h, u.cacheRead) <= MAX_TOKENS;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * The usage a transcript record carries, if any: `message.usage` of an assistant line,
 * or of the copy of a subagent message inside a `progress` record. A tool result's
 * `toolUseResult.usage` (the Task/Agent tool) is the subagent's own usage, already
 * counted from its lines, and `cost-state` records hold running totals: neither counts.
 * A key read here must be in usage-fields-of-line.ts's FIELDS too (its test fails until it is),
 * and read by wasm/usage-scan.ts's usage() (usage-scan-wasm.test.ts compares the two).
 */
export function usageLineOf(record: unknown): UsageLine | 'synthetic' | undefined {
  if (!isObject(record)) return undefined;
  let holder: Json = record;
  if (record.type === 'progress') {
    const data = record.data;
    if (!isObject(data) || !isObject(data.message)) return undefined;
    holder = data.message;
  }
  const message = holder.message;
  if (!isObject(message)) return undefined;
  const usage = message.usage;
  if (!isObject(usage) || typeof usage.input_tokens !== 'number' || typeof usage.output_tokens !== 'number') {
    return undefined;
  }
  const model = typeof message.model === 'string' ? message.model : '';
  if (model === '<synthetic>') return 'synthetic';
  const timestamp = typeof holder.timestamp === 'string' ? holder.timestamp : record.timestamp;
  const timestampMs = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(timestampMs)) return undefined;
  const requestId = typeof holder.requestId === 'string' ? holder.requestId : '';
  const sessionId = typeof record.sessionId === 'string' ? record.sessionId : '';
  const cost = record.costUSD;
  const key = typeof message.id === 'string' && message.id !== '' ? message.id : requestId;
  const line: UsageLine = {
    key,
    timestampMs,
    model: model === '' ? '(unknown)' : model,
    sessionId,
    ...tokensOf(usage),
    fast: usage.speed === 'fast',
    reportedCostUsd: typeof cost === 'number' && Number.isFinite(cost) ? cost : Number.NaN,
  };
  const iterations = usage.iterations;
  if (Array.isArray(iterations) && iterations.length > 0) splitIterations(line, iterations);
  return line;
}

type Tokens = Pick<UsageLine, 'input' | 'output' | 'cacheWrite5m' | 'cacheWrite1h' | 'cacheRead'>;

/**
 * The token fields of a usage object (top-level or one iteration). Cache writes are the larger
 * of `cache_creation_input_tokens` and the sum of the 5m/1h split: clients before 2.1.152 wrote
 * 0 for the first beside a non-zero split. Without a split all writes are 5-minute ones (the
 * API default).
 */
function tokensOf(usage: Json): Tokens {
  const split = usage.cache_creation;
  let cacheWrite1h = 0;
  let cacheWrite = count(usage.cache_creation_input_tokens);
  if (isObject(split)) {
    cacheWrite1h = count(split.ephemeral_1h_input_tokens);
    cacheWrite = Math.max(cacheWrite, cacheWrite1h + count(split.ephemeral_5m_input_tokens));
  }
  return {
    input: count(usage.input_tokens),
    output: count(usage.output_tokens),
    cacheWrite5m: cacheWrite - cacheWrite1h,
    cacheWrite1h,
    cacheRead: count(usage.cache_read_input_tokens),
  };
}

/**
 * `usage.iterations[]` (docs/limits.md, "Iterations counted once"): the response's billed
 * tokens are the sum of its iterations. The `message` iterations (the top-level usage is the
 * final one) become the line itself; every other iteration (compaction, advisor_message, …)
 * is its own row at its own model (else the message's), keyed `<key>#<type>#<model>` so that
 * streaming copies merge as the message does. Without a `message` iteration the top-level
 * usage stands for it — never both.
 */
function splitIterations(line: UsageLine, iterations: unknown[]): void {
  let message: Tokens | undefined;
  const others = new Map<string, UsageLine>();
  for (const it of iterations) {
    if (!isObject(it)) continue;
    const type = typeof it.type === 'string' && it.type !== '' ? it.type : 'message';
    const tokens = tokensOf(it);
    if (type === 'message') {
      message = message === undefined ? tokens : addTokens(message, tokens);
      continue;
    }
    const model = typeof it.model === 'string' && it.model !== '' ? it.model : line.model;
    const id = `${type}#${model}`;
    const seen = others.get(id);
    if (seen !== undefined) Object.assign(seen, addTokens(seen, tokens));
    else
      others.set(id, {
        ...line,
        key: line.key === '' ? '' : `${line.key}#${id}`,
        model,
        ...tokens,
        reportedCostUsd: Number.NaN,
        iteration: iterationCode(type),
      });
  }
  if (message !== undefined) Object.assign(line, message);
  if (others.size > 0) line.extra = [...others.values()];
}

const addTokens = (a: Tokens, b: Tokens): Tokens => ({
  input: a.input + b.input,
  output: a.output + b.output,
  cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m,
  cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
  cacheRead: a.cacheRead + b.cacheRead,
});
