import { closeSync, openSync, readSync } from 'node:fs';
import { lineKeyHash } from './lookup-hash.ts';
import { type ScanResult, scanUsageLines, type UsageLine, type UsageReader } from './scan-usage-lines.ts';

/** Bytes of one file to read: from `offset` (the end of the last complete line read) to `size`. */
export interface ReadJob {
  path: string;
  offset: number;
  size: number;
}

export interface ReadResult {
  /** Bytes read (may be fewer than asked when the file shrank meanwhile). */
  got: number;
  /** Bytes up to the end of the last complete line: the next run starts there. */
  complete: number;
  /** The last TAIL_BYTES bytes before `complete` (latin1), to recognise a rewritten file later. */
  tail: string;
  scan: ScanResult;
}

export const TAIL_BYTES = 32;

/** A read buffer kept across files, grown when a file needs more. */
export interface ReadBuffer {
  buffer: Buffer;
}

/**
 * Files are read in pieces of up to this size into one buffer kept across files: memory
 * stays small whatever the size of a file, the buffer's pages are touched once (on these
 * machines a fresh page costs ~10 µs), and a piece is still in the CPU cache when scanned.
 */
const CHUNK = 1 << 20;
/** The least room a read gets; a line longer than the buffer doubles it. */
const MIN_READ = 64 << 10;

/**
 * Reads a job's bytes and scans its complete lines; a line still being written waits for the next
 * run. `wasm`: the WebAssembly reader of candidate lines, for a large read (usage-scan-wasm.ts).
 */
export function readAppended(job: ReadJob, into: ReadBuffer, wasm?: UsageReader): ReadResult {
  const scan: ScanResult = { lines: [], skipped: [], synthetic: 0 };
  const length = job.size - job.offset;
  let got = 0; // bytes read from the file
  let complete = 0; // bytes scanned: whole lines
  let pending = 0; // bytes at the start of the buffer after the last newline
  let tail = '';
  const fd = openSync(job.path, 'r');
  try {
    while (got < length) {
      if (into.buffer.length - pending < MIN_READ) {
        const bigger = Buffer.allocUnsafe(Math.max(CHUNK, 2 * into.buffer.length, pending + MIN_READ));
        into.buffer.copy(bigger, 0, 0, pending);
        into.buffer = bigger;
      }
      const buffer = into.buffer;
      const want = Math.min(buffer.length - pending, length - got);
      const n = readSync(fd, buffer, pending, want, job.offset + got);
      if (n === 0) break; // truncated while we read: the next run sees the new size
      got += n;
      const end = pending + n;
      const lastNewline = buffer.lastIndexOf(0x0a, end - 1);
      if (lastNewline === -1) {
        pending = end; // no line ends here yet: keep reading
        continue;
      }
      scanUsageLines(buffer, 0, lastNewline + 1, job.offset + complete, scan, wasm);
      // Lines end with a newline, and a piece ends with a line: keep the bytes before its end.
      const tailStart = Math.max(0, lastNewline + 1 - TAIL_BYTES);
      tail =
        (lastNewline + 1 - tailStart < TAIL_BYTES ? tail : '') + buffer.toString('latin1', tailStart, lastNewline + 1);
      tail = tail.slice(-TAIL_BYTES);
      complete += lastNewline + 1;
      pending = end - (lastNewline + 1);
      buffer.copy(buffer, 0, lastNewline + 1, end);
    }
  } finally {
    closeSync(fd);
  }
  return { got, complete, tail, scan };
}

/**
 * A ReadResult as a worker thread sends it: numbers in one transferable array, and each distinct
 * model and session string once (a file's lines share a few: copying one per line cost the main
 * thread the reading of ~100,000 strings on a first build).
 */
export interface PackedReadResult {
  got: number;
  complete: number;
  tail: string;
  numbers: Float64Array;
  strings: string[];
  skipped: ScanResult['skipped'];
  synthetic: number;
}

const NUMBERS = 11;

export function packReadResult(r: ReadResult): PackedReadResult {
  const lines = r.scan.lines;
  const numbers = new Float64Array(lines.length * NUMBERS);
  const strings: string[] = [];
  const numberOf = new Map<string, number>();
  const stringNumber = (text: string): number => {
    let n = numberOf.get(text);
    if (n === undefined) {
      n = strings.push(text) - 1;
      numberOf.set(text, n);
    }
    return n;
  };
  lines.forEach((l, i) => {
    const at = i * NUMBERS;
    numbers[at] = l.timestampMs;
    numbers[at + 1] = l.input;
    numbers[at + 2] = l.output;
    numbers[at + 3] = l.cacheWrite5m;
    numbers[at + 4] = l.cacheWrite1h;
    numbers[at + 5] = l.cacheRead;
    numbers[at + 6] = (l.fast ? 1 : 0) | ((l.iteration ?? 0) << 1);
    numbers[at + 7] = l.reportedCostUsd;
    // The key's hash, not the key: hashed on the worker's thread, and one string less to copy.
    numbers[at + 8] = lineKeyHash(l);
    numbers[at + 9] = stringNumber(l.model);
    numbers[at + 10] = stringNumber(l.sessionId);
  });
  return {
    got: r.got,
    complete: r.complete,
    tail: r.tail,
    numbers,
    strings,
    skipped: r.scan.skipped,
    synthetic: r.scan.synthetic,
  };
}

export function unpackReadResult(p: PackedReadResult): ReadResult {
  const lines: UsageLine[] = [];
  for (let i = 0; i * NUMBERS < p.numbers.length; i++) {
    const at = i * NUMBERS;
    lines.push({
      key: '',
      keyHash: p.numbers[at + 8] as number,
      model: p.strings[p.numbers[at + 9] as number] as string,
      sessionId: p.strings[p.numbers[at + 10] as number] as string,
      timestampMs: p.numbers[at] as number,
      input: p.numbers[at + 1] as number,
      output: p.numbers[at + 2] as number,
      cacheWrite5m: p.numbers[at + 3] as number,
      cacheWrite1h: p.numbers[at + 4] as number,
      cacheRead: p.numbers[at + 5] as number,
      fast: ((p.numbers[at + 6] as number) & 1) === 1,
      iteration: (p.numbers[at + 6] as number) >>> 1,
      reportedCostUsd: p.numbers[at + 7] as number,
    });
  }
  return {
    got: p.got,
    complete: p.complete,
    tail: p.tail,
    scan: { lines, skipped: p.skipped, synthetic: p.synthetic },
  };
}
