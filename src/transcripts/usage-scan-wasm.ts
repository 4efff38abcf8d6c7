import { readFileSync } from 'node:fs';
import {
  CacheSplitFields,
  DataFields,
  HolderFields,
  MessageFields,
  RecordFields,
  UsageFields,
  usageFieldsOfLine,
} from './usage-fields-of-line.ts';

/**
 * usageFieldsOfLine with its walk done by WebAssembly (wasm/usage-scan.ts, built to
 * usage-scan.wasm beside the bundles; docs/decisions.md, "The line scanner in WebAssembly"). The
 * module reads the line and writes, for each field usageLineOf reads, what its value is and
 * where its bytes are; this builds the same objects usageFieldsOfLine builds from that. A line
 * the module declines (anything but the plain JSON Claude Code writes, or an `iterations` array
 * with elements) is read by usageFieldsOfLine itself, so the result is always the JavaScript
 * scanner's.
 */
export type LineReader = (buf: Buffer, start: number, end: number) => object | undefined;

/** What the module exports (wasm/usage-scan.ts). */
interface UsageScanExports {
  memory: { buffer: ArrayBuffer };
  line(): number;
  slots(): number;
  capacity(): number;
  scan(length: number): number;
}

/** The part of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

// Slot types and numbers: as in wasm/usage-scan.ts.
const ABSENT = 0;
const TEXT = 1;
const ESCAPED = 2;
const EMPTY = 3;
const NUMBER = 4;
const NUMBER_TEXT = 5;
const TRUE = 6;
const FALSE = 7;
const NULL = 8;
const BUILT = 9;
const OBJECT = 10;
const ARRAY = 11;
const SLOT_INTS = 6; // 24 bytes a slot: type, start, end (i32), then the value (f64)
const SLOT_COUNT = 35;

/**
 * From this many bytes to read, lines are read by the module: making it costs ~2 ms once per
 * thread (compiling and starting it), which a status line or a warm report's few appended lines
 * would not win back.
 */
const WASM_MIN_BYTES = 4 << 20;
let shared: LineReader | null | undefined;

/** The reader for a read of `bytes`: the module's (made once per thread) when large, else usageFieldsOfLine. */
export function lineReaderFor(bytes: number): LineReader {
  if (bytes < WASM_MIN_BYTES) return usageFieldsOfLine;
  if (shared === undefined) shared = wasmLineReader() ?? null;
  return shared ?? usageFieldsOfLine;
}

/** The module's bytes: beside this file (the build puts one beside each bundle and in dist/transcripts). */
function moduleBytes(): Buffer | undefined {
  try {
    return readFileSync(new URL('usage-scan.wasm', import.meta.url));
  } catch {
    return undefined; // run from the TypeScript sources, or not built: the JavaScript scanner reads
  }
}

/**
 * A LineReader on the module `bytes` (default: the built one), or undefined when there is none
 * or it cannot run here; TAKT_WASM_SCAN=0 turns it off. A line the module declines goes to
 * `fallback` (the tests pass one that tells them).
 */
export function wasmLineReader(
  bytes: Uint8Array | undefined = moduleBytes(),
  fallback: LineReader = usageFieldsOfLine,
): LineReader | undefined {
  if (bytes === undefined || process.env.TAKT_WASM_SCAN === '0') return undefined;
  let exports: UsageScanExports;
  try {
    exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as UsageScanExports;
  } catch {
    return undefined;
  }
  const memory = Buffer.from(exports.memory.buffer);
  const lineAt = exports.line();
  const capacity = exports.capacity();
  const slotsAt = exports.slots();
  const ints = new Int32Array(exports.memory.buffer, slotsAt, SLOT_COUNT * SLOT_INTS);
  const numbers = new Float64Array(exports.memory.buffer, slotsAt, (SLOT_COUNT * SLOT_INTS) / 2);
  const scan = exports.scan;

  // The value of slot s, as usageFieldsOfLine reads it; `from` maps the module's offsets to buf's.
  let line: Buffer = memory;
  let from = 0;
  const value = (s: number): unknown => {
    const at = s * SLOT_INTS;
    switch (ints[at]) {
      case TEXT:
        return line.toString('latin1', (ints[at + 1] as number) + from, (ints[at + 2] as number) + from);
      case ESCAPED:
        return JSON.parse(line.toString('latin1', (ints[at + 1] as number) + from, (ints[at + 2] as number) + from));
      case EMPTY:
        return '';
      case NUMBER:
        return numbers[at / 2 + 2];
      case NUMBER_TEXT:
        return Number(line.toString('latin1', (ints[at + 1] as number) + from, (ints[at + 2] as number) + from));
      case TRUE:
        return true;
      case FALSE:
        return false;
      case NULL:
        return null;
      case OBJECT:
        return {};
      case ARRAY:
        return [];
      default:
        return undefined; // ABSENT; BUILT is read by the builders below
    }
  };
  const present = (s: number): boolean => ints[s * SLOT_INTS] !== ABSENT;
  const built = (s: number): boolean => ints[s * SLOT_INTS] === BUILT;

  const cacheSplit = (base: number): CacheSplitFields => {
    const c = new CacheSplitFields();
    if (present(base)) c.ephemeral_1h_input_tokens = value(base);
    if (present(base + 1)) c.ephemeral_5m_input_tokens = value(base + 1);
    return c;
  };
  const usage = (base: number, split: number): UsageFields => {
    const u = new UsageFields();
    if (present(base)) u.input_tokens = value(base);
    if (present(base + 1)) u.output_tokens = value(base + 1);
    if (present(base + 2)) u.cache_creation_input_tokens = value(base + 2);
    if (present(base + 3)) u.cache_read_input_tokens = value(base + 3);
    if (present(base + 4)) u.cache_creation = built(base + 4) ? cacheSplit(split) : value(base + 4);
    if (present(base + 5)) u.speed = value(base + 5);
    if (present(base + 6)) u.iterations = value(base + 6);
    return u;
  };
  const message = (base: number, usageBase: number, split: number): MessageFields => {
    const m = new MessageFields();
    if (present(base)) m.id = value(base);
    if (present(base + 1)) m.model = value(base + 1);
    if (present(base + 2)) m.usage = built(base + 2) ? usage(usageBase, split) : value(base + 2);
    return m;
  };
  const holder = (): HolderFields => {
    const h = new HolderFields();
    if (present(8)) h.timestamp = value(8);
    if (present(9)) h.requestId = value(9);
    if (present(10)) h.message = built(10) ? message(23, 26, 33) : value(10);
    return h;
  };
  const data = (): DataFields => {
    const d = new DataFields();
    if (present(7)) d.message = built(7) ? holder() : value(7);
    return d;
  };
  const record = (): RecordFields => {
    const r = new RecordFields();
    if (present(0)) r.type = value(0);
    if (present(1)) r.timestamp = value(1);
    if (present(2)) r.requestId = value(2);
    if (present(3)) r.sessionId = value(3);
    if (present(4)) r.costUSD = value(4);
    if (present(5)) r.message = built(5) ? message(11, 14, 21) : value(5);
    if (present(6)) r.data = built(6) ? data() : value(6);
    return r;
  };

  return (buf, start, end) => {
    while (end > start && (buf[end - 1] === 0x0d || buf[end - 1] === 0x20)) end--;
    const length = end - start;
    if (length > capacity) return fallback(buf, start, end);
    buf.copy(memory, lineAt, start, end);
    if (scan(length) < 0) return fallback(buf, start, end);
    // Strings are read from buf (the same bytes as the module's copy).
    line = buf;
    from = start - lineAt;
    return record();
  };
}
