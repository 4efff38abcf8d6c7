import { readFileSync } from 'node:fs';
import { lookupHash } from './lookup-hash.ts';
import { LEFT, type UsageReader } from './scan-usage-lines.ts';

/**
 * A candidate line's usage read by WebAssembly (wasm/usage-scan.ts, built to usage-scan.wasm
 * beside the bundles; docs/decisions.md, "The line scanner in WebAssembly"): the walk and checks
 * of usageFieldsOfLine, then usageLineOf's reading of the fields, the key's hash and the
 * timestamp, in the module; here only the model and session strings and the UsageLine are made
 * (its key as `keyHash`, as the worker thread sends it). A line the module leaves (anything but the plain JSON
 * Claude Code writes, an `iterations` array with elements, an escaped string usageLineOf
 * compares, a token count written as 1e3, a line over 1 MB) is answered LEFT: the caller reads
 * it with usageFieldsOfLine and usageLineOf, so the answer is always theirs.
 */

/** What the module exports (wasm/usage-scan.ts). */
interface UsageScanExports {
  memory: { buffer: ArrayBuffer };
  line(): number;
  slots(): number;
  capacity(): number;
  scan(length: number): number;
  usage(): number;
  usageOut(): number;
}

/** The part of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

// Slot types (wasm/usage-scan.ts) of the strings and numbers read here.
const TEXT = 1;
const ESCAPED = 2;
const NUMBER = 4;
const NUMBER_TEXT = 5;
const SLOT_INTS = 6; // 24 bytes a slot: type, start, end (i32), then the value (f64)
const SLOT_COUNT = 35;
// usage()'s answers.
const USAGE = 1;
const SYNTHETIC = 2;
const LEAVE = 3;
// What the key's hash is.
const KEY_HASHED = 1;
const KEY_ESCAPED = 2;

/**
 * From this many bytes to read, lines are read by the module: making it costs ~2 ms once per
 * thread (compiling and starting it), which a status line or a warm report's few appended lines
 * would not win back.
 */
const WASM_MIN_BYTES = 4 << 20;
let shared: UsageReader | null | undefined;

/** The module's reader for a read of `bytes` (made once per thread), or undefined: a small read, or no module. */
export function usageReaderFor(bytes: number): UsageReader | undefined {
  if (bytes < WASM_MIN_BYTES) return undefined;
  if (shared === undefined) shared = wasmUsageReader() ?? null;
  return shared ?? undefined;
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
 * A UsageReader on the module `bytes` (default: the built one), or undefined when there is none or
 * it cannot run here; TAKT_WASM_SCAN=0 turns it off.
 */
export function wasmUsageReader(bytes: Uint8Array | undefined = moduleBytes()): UsageReader | undefined {
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
  const ints = new Int32Array(exports.memory.buffer, exports.slots(), SLOT_COUNT * SLOT_INTS);
  const numbers = new Float64Array(exports.memory.buffer, exports.slots(), (SLOT_COUNT * SLOT_INTS) / 2);
  const outAt = exports.usageOut();
  const outNumbers = new Float64Array(exports.memory.buffer, outAt, 11);
  const outInts = new Int32Array(exports.memory.buffer, outAt + 40, 13);
  const { scan, usage } = exports;

  // A string slot's value as JSON.parse gives it ('' for none); `from` maps the module's offsets to buf's.
  const text = (buf: Buffer, from: number, s: number): string => {
    if (s < 0) return '';
    const at = s * SLOT_INTS;
    const type = ints[at];
    if (type === TEXT) return buf.toString('latin1', (ints[at + 1] as number) + from, (ints[at + 2] as number) + from);
    if (type === ESCAPED) {
      return JSON.parse(buf.toString('latin1', (ints[at + 1] as number) + from, (ints[at + 2] as number) + from));
    }
    return ''; // a long string, read as ""
  };
  const costOf = (buf: Buffer, from: number, s: number): number => {
    if (s < 0) return Number.NaN;
    const at = s * SLOT_INTS;
    if (ints[at] === NUMBER) return numbers[at / 2 + 2] as number;
    if (ints[at] !== NUMBER_TEXT) return Number.NaN;
    const cost = Number(buf.toString('latin1', (ints[at + 1] as number) + from, (ints[at + 2] as number) + from));
    return Number.isFinite(cost) ? cost : Number.NaN;
  };

  // The last line's model and session strings: the module says when a line's are the same bytes.
  let lastModel = '';
  let lastSession = '';

  return (buf, start, end) => {
    while (end > start && (buf[end - 1] === 0x0d || buf[end - 1] === 0x20)) end--;
    const length = end - start;
    if (length > capacity) return LEFT;
    buf.copy(memory, lineAt, start, end);
    if (scan(length) < 0) return LEFT;
    const answer = usage();
    if (answer === SYNTHETIC) return 'synthetic';
    if (answer === LEAVE) return LEFT;
    if (answer !== USAGE) return undefined;
    // Strings are read from buf (the same bytes as the module's copy).
    const from = start - lineAt;
    const same = outInts[12] as number;
    if ((same & 1) === 0) lastModel = text(buf, from, outInts[4] as number);
    if ((same & 2) === 0) lastSession = text(buf, from, outInts[3] as number);
    let timestampMs = outNumbers[9] as number;
    if (Number.isNaN(timestampMs)) {
      timestampMs = Date.parse(text(buf, from, outInts[1] as number));
      if (Number.isNaN(timestampMs)) return undefined;
    }
    const keyState = outInts[7];
    const keyHash =
      keyState === KEY_HASHED
        ? (outNumbers[10] as number)
        : keyState === KEY_ESCAPED
          ? lookupHash(text(buf, from, outInts[5] as number))
          : Number.NaN;
    const model = lastModel;
    // The fields in the order unpackReadResult gives a worker's lines: one shape for the code that counts them.
    return {
      key: '',
      keyHash,
      model: model === '' ? '(unknown)' : model,
      sessionId: lastSession,
      timestampMs,
      input: outNumbers[0] as number,
      output: outNumbers[1] as number,
      cacheWrite5m: outNumbers[2] as number,
      cacheWrite1h: outNumbers[3] as number,
      cacheRead: outNumbers[4] as number,
      fast: outInts[0] === 1,
      iteration: 0,
      reportedCostUsd: costOf(buf, from, outInts[6] as number),
    };
  };
}
