/**
 * The fields of one transcript line that usageLineOf reads, straight from the bytes, without
 * JSON.parse building the whole record (issue 24.2; docs/decisions.md, "A line's usage without
 * JSON.parse").
 *
 * A candidate line is mostly message text, thinking and tool input; what usageLineOf reads is a
 * dozen keys and numbers. JSON.parse of the cut-down line (reduceLine) still made every key, id
 * and nested object of it, and was the largest part of a first build (docs/benchmarks.md). This
 * walks the line once, checks it as JSON.parse would, and builds only the objects and values on
 * the paths usageLineOf follows (FIELDS below). Duplicate keys keep the last value, as with
 * JSON.parse, because each value is assigned where it is read.
 *
 * The result is the record usageLineOf would see after reduceLine and JSON.parse, less the keys
 * it never reads; or `undefined` when the line is anything but the plain JSON Claude Code writes
 * — cut off, unbalanced, not JSON, whitespace between tokens, a key with an escape, a control
 * character or bad escape in a short string, nesting deeper than 64 — and the caller then reads
 * it the slow way, which decides what such a line is. Like reduceLine it does not look inside
 * strings of 160 bytes or more (they read as "") nor inside arrays other than `iterations`
 * (beyond their brackets and quotes): it checks exactly what the slow way parses.
 * usage-fields-of-line.test.ts compares the two ways on generated and hand-made lines.
 */

import { closingQuote } from './closing-quote.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const ONE = 0x31;
const NINE = 0x39;
/** A string whose closing quote is more than this many bytes after its opening one reads as "" (as in reduceLine). */
const LONG_STRING = 160;
const MAX_DEPTH = 64;

/*
 * What a container is to usageLineOf. Objects on its paths have their own kind and are built;
 * any other object is OTHER (checked, not built). Arrays: ITERATIONS is `usage.iterations`
 * (built); CHECKED is an `iterations` array anywhere else (not built, but checked, because
 * reduceLine keeps every `iterations` array for JSON.parse); every other array is skipped over
 * its brackets and quotes only (skipArray), as reduceLine empties it.
 */
const RECORD = 0;
const DATA = 1;
const HOLDER = 2; // data.message: a progress record's copy of a subagent's line
const MESSAGE = 3;
const USAGE = 4;
const CACHE_SPLIT = 5; // cache_creation of the usage or of an iteration
const ITERATION = 6;
const OTHER = 7;
const ITERATIONS = 8;
const CHECKED = 9;
const KINDS = 10;

/*
 * What is built: one class per kind of object, its fields the keys usageLineOf reads there, each
 * `undefined` until its key is read (to usageLineOf the same as absent). The classes are the one
 * list of what is read: FIELDS is made from them. Their fixed shapes keep usageLineOf's reads
 * monomorphic.
 */
class RecordFields {
  type: unknown;
  timestamp: unknown;
  requestId: unknown;
  sessionId: unknown;
  costUSD: unknown;
  message: unknown;
  data: unknown;
}
class DataFields {
  message: unknown;
}
class HolderFields {
  timestamp: unknown;
  requestId: unknown;
  message: unknown;
}
class MessageFields {
  id: unknown;
  model: unknown;
  usage: unknown;
}
class TokenFields {
  input_tokens: unknown;
  output_tokens: unknown;
  cache_creation_input_tokens: unknown;
  cache_read_input_tokens: unknown;
  cache_creation: unknown;
}
class UsageFields extends TokenFields {
  speed: unknown;
  iterations: unknown;
}
class IterationFields extends TokenFields {
  type: unknown;
  model: unknown;
}
class CacheSplitFields {
  ephemeral_1h_input_tokens: unknown;
  ephemeral_5m_input_tokens: unknown;
}

/** A new object for a value of each kind (the others: an object read as it is, its content not kept). */
const NEW: (() => object)[] = [
  () => new RecordFields(),
  () => new DataFields(),
  () => new HolderFields(),
  () => new MessageFields(),
  () => new UsageFields(),
  () => new CacheSplitFields(),
  () => new IterationFields(),
  () => ({}),
  () => ({}),
  () => ({}),
];

/** The kinds of the values that are objects (or, for `iterations`, an array) on usageLineOf's paths. */
const CHILDREN: Record<string, number>[] = [];
CHILDREN[RECORD] = { message: MESSAGE, data: DATA };
CHILDREN[DATA] = { message: HOLDER };
CHILDREN[HOLDER] = { message: MESSAGE };
CHILDREN[MESSAGE] = { usage: USAGE };
CHILDREN[USAGE] = { cache_creation: CACHE_SPLIT, iterations: ITERATIONS };
CHILDREN[ITERATION] = { cache_creation: CACHE_SPLIT };

interface Field {
  name: string;
  bytes: Uint8Array;
  /** The kind of an object (or, for `iterations`, array) value; OTHER for a value read as it is. */
  child: number;
}

/** The keys usageLineOf reads, by the kind of object they sit in. */
const FIELDS: Field[][] = Array.from({ length: KINDS }, (_, kind) =>
  kind > ITERATION
    ? []
    : Object.keys((NEW[kind] as () => object)()).map((name) => ({
        name,
        bytes: Buffer.from(name, 'latin1'),
        child: CHILDREN[kind]?.[name] ?? OTHER,
      })),
);

const ITERATIONS_KEY = Buffer.from('iterations');

const isArrayKind = (kind: number): boolean => kind >= ITERATIONS;

/** The containers open at each depth: their kind, and what is built for them (null: nothing). */
const kinds = new Uint8Array(MAX_DEPTH + 1);
const built: (object | null)[] = new Array<object | null>(MAX_DEPTH + 1).fill(null);
/** skipArray's brackets. */
const brackets = new Uint8Array(256);

/** Set by skipString: the string holds a backslash. */
let escaped = false;
/** Set by readNumber: the number's value. */
let numberValue = 0;

/**
 * The record usageLineOf reads from buf[start, end) (one line without its newline), or undefined
 * when the line is to be read by reduceLine and JSON.parse instead.
 */
export function usageFieldsOfLine(buf: Buffer, start: number, end: number): object | undefined {
  while (end > start && (buf[end - 1] === 0x0d || buf[end - 1] === 0x20)) end--;
  if (end - start < 2 || buf[start] !== OPEN_OBJECT || buf[end - 1] !== CLOSE_OBJECT) return undefined;
  const record = new RecordFields();
  if (buf[start + 1] === CLOSE_OBJECT) return end === start + 2 ? record : undefined;
  let depth = 0;
  let kind = RECORD;
  kinds[0] = RECORD;
  built[0] = record;
  let i = start + 1;
  for (;;) {
    // One member of the container at `depth`: a key and its value, or an array's element.
    let name: string | undefined;
    let child = OTHER;
    let keep = false;
    if (!isArrayKind(kind)) {
      if (buf[i] !== QUOTE) return undefined;
      const close = skipString(buf, i, end);
      if (close < 0 || escaped || buf[close + 1] !== COLON) return undefined;
      const found = fieldOf(kind, buf, i + 1, close);
      if (found !== undefined) {
        name = found.name;
        child = found.child;
        keep = true;
      } else if (close - i - 1 === ITERATIONS_KEY.length && sameBytes(buf, i + 1, ITERATIONS_KEY)) {
        child = CHECKED;
      }
      i = close + 2;
    } else if (kind === ITERATIONS) {
      child = ITERATION;
      keep = true;
    }
    if (i >= end) return undefined;
    const c = buf[i] as number;
    const parent = keep ? built[depth] : null;
    if (c === OPEN_OBJECT || (c === OPEN_ARRAY && (child === ITERATIONS || child === CHECKED))) {
      const isArray = c === OPEN_ARRAY;
      let value: object | null = null;
      if (parent !== null && parent !== undefined) {
        value = isArray ? [] : (NEW[child] as () => object)();
        put(parent, name, value);
      }
      if (buf[i + 1] === (isArray ? CLOSE_ARRAY : CLOSE_OBJECT)) {
        i += 2; // empty: the member is read
      } else {
        if (depth === MAX_DEPTH) return undefined;
        depth++;
        kind = isArray ? child : value !== null && child !== ITERATIONS ? child : OTHER;
        kinds[depth] = kind;
        built[depth] = value;
        i++;
        continue;
      }
    } else {
      let value: unknown;
      if (c === QUOTE) {
        const close = skipString(buf, i, end);
        if (close < 0) return undefined;
        if (parent !== null) value = stringValue(buf, i, close);
        i = close + 1;
      } else if (c === OPEN_ARRAY) {
        i = skipArray(buf, i, end);
        if (i < 0) return undefined;
        value = [];
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
        i = readNumber(buf, i, end);
        if (i < 0) return undefined;
        value = numberValue;
      } else if (c === 0x74 && literalAt(buf, i, 'true')) {
        i += 4;
        value = true;
      } else if (c === 0x66 && literalAt(buf, i, 'false')) {
        i += 5;
        value = false;
      } else if (c === 0x6e && literalAt(buf, i, 'null')) {
        i += 4;
        value = null;
      } else {
        return undefined;
      }
      if (parent !== null && parent !== undefined) put(parent, name, value);
    }
    // After a member: `,` and the next member, or the close of its container (and perhaps more).
    for (;;) {
      if (i >= end) return undefined;
      const s = buf[i];
      if (s === COMMA) {
        i++;
        break;
      }
      if (s !== (isArrayKind(kind) ? CLOSE_ARRAY : CLOSE_OBJECT)) return undefined;
      i++;
      if (depth === 0) return i === end ? record : undefined;
      depth--;
      kind = kinds[depth] as number;
    }
  }
}

/** A value read into what is built: an element of `iterations`, or a field of one of the classes above. */
function put(parent: object, name: string | undefined, value: unknown): void {
  if (name === undefined) (parent as unknown[]).push(value);
  else (parent as Record<string, unknown>)[name] = value;
}

function fieldOf(kind: number, buf: Buffer, from: number, to: number): Field | undefined {
  const fields = FIELDS[kind] as Field[];
  const length = to - from;
  for (let f = 0; f < fields.length; f++) {
    const candidate = fields[f] as Field;
    if (candidate.bytes.length === length && sameBytes(buf, from, candidate.bytes)) return candidate;
  }
  return undefined;
}

function sameBytes(buf: Buffer, at: number, bytes: Uint8Array): boolean {
  for (let k = 0; k < bytes.length; k++) if (buf[at + k] !== bytes[k]) return false;
  return true;
}

function literalAt(buf: Buffer, at: number, literal: string): boolean {
  for (let k = 1; k < literal.length; k++) if (buf[at + k] !== literal.charCodeAt(k)) return false;
  return true;
}

/**
 * The index of the quote that closes the string opening at buf[at], or -1: no close before
 * `end`, or a short string (closed within LONG_STRING bytes) with a control character or an
 * escape JSON does not allow — such a line goes the slow way. A long string is not checked
 * (reduceLine cuts it out before JSON.parse).
 */
function skipString(buf: Buffer, at: number, end: number): number {
  escaped = false;
  // Keys and ids are short: their close is found (and their bytes checked) faster here than
  // by indexOf; the rest of a longer string is searched by indexOf and checked if short after all.
  let j = at + 1;
  const shortLimit = Math.min(end, at + 33);
  while (j < shortLimit) {
    const c = buf[j] as number;
    if (c === QUOTE) return j;
    if (c === BACKSLASH) {
      j = escapeEnd(buf, j);
      if (j < 0) return -1;
      continue;
    }
    if (c < 0x20) return -1;
    j++;
  }
  const from = j;
  j = closingQuote(buf, j, end);
  if (j === -1 || j - at > LONG_STRING) return j;
  for (let k = from; k < j; ) {
    const c = buf[k] as number;
    if (c === BACKSLASH) {
      escaped = true;
      k = escapeEnd(buf, k);
      if (k < 0) return -1;
    } else if (c < 0x20) return -1;
    else k++;
  }
  return j;
}

/** Past the escape at buf[at] (a backslash), or -1 when JSON does not allow it; sets `escaped`. */
function escapeEnd(buf: Buffer, at: number): number {
  escaped = true;
  const next = buf[at + 1];
  if (next === 0x75) {
    return hexAt(buf, at + 2) && hexAt(buf, at + 3) && hexAt(buf, at + 4) && hexAt(buf, at + 5) ? at + 6 : -1;
  }
  return next === QUOTE ||
    next === BACKSLASH ||
    next === 0x2f ||
    next === 0x62 ||
    next === 0x66 ||
    next === 0x6e ||
    next === 0x72 ||
    next === 0x74
    ? at + 2
    : -1;
}

function hexAt(buf: Buffer, at: number): boolean {
  const c = (buf[at] as number) | 0x20;
  return (c >= ZERO && c <= NINE) || (c >= 0x61 && c <= 0x66);
}

/** A string's value as JSON.parse of the cut-down line gives it: "" when long, latin1 as reduceLine reads. */
function stringValue(buf: Buffer, open: number, close: number): string {
  if (close - open > LONG_STRING) return '';
  if (!escaped) return buf.toString('latin1', open + 1, close);
  return JSON.parse(buf.toString('latin1', open, close + 1)) as string;
}

/** Past the array opening at buf[at] (its brackets matched, strings skipped), or -1. */
function skipArray(buf: Buffer, at: number, end: number): number {
  let open = 0;
  brackets[open++] = CLOSE_ARRAY;
  let i = at + 1;
  while (i < end) {
    const c = buf[i] as number;
    if (c === QUOTE) {
      i = skipLooseString(buf, i, end);
      if (i < 0) return -1;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (open === brackets.length) return -1;
      brackets[open++] = c + 2; // ] is [ + 2, } is { + 2
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (brackets[--open] !== c) return -1;
      if (open === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

/** The close of a string inside a skipped array (not checked, as reduceLine does not), or -1. */
function skipLooseString(buf: Buffer, at: number, end: number): number {
  let j = at + 1;
  // Most strings in content arrays are short keys and types: found faster here than by indexOf.
  const limit = Math.min(end, at + 33);
  while (j < limit) {
    const c = buf[j];
    if (c === QUOTE) return j;
    if (c === BACKSLASH) j++;
    j++;
  }
  return closingQuote(buf, j, end);
}

/** Past the JSON number at buf[at] (its value in numberValue), or -1 when it is not one. */
function readNumber(buf: Buffer, at: number, end: number): number {
  let j = at;
  if (buf[j] === MINUS) j++;
  const first = buf[j] as number;
  let value = 0;
  if (first === ZERO) j++;
  else if (first >= ONE && first <= NINE) {
    while (j < end) {
      const c = buf[j] as number;
      if (c < ZERO || c > NINE) break;
      value = value * 10 + (c - ZERO);
      j++;
    }
  } else return -1;
  let plain = j - at <= 15;
  if (buf[j] === DOT) {
    plain = false;
    j++;
    if (!isDigit(buf[j])) return -1;
    while (isDigit(buf[j])) j++;
  }
  if (((buf[j] as number) | 0x20) === 0x65) {
    plain = false;
    j++;
    if (buf[j] === PLUS || buf[j] === MINUS) j++;
    if (!isDigit(buf[j])) return -1;
    while (isDigit(buf[j])) j++;
  }
  if (j > end) return -1;
  if (!plain) numberValue = Number(buf.toString('latin1', at, j));
  else numberValue = buf[at] === MINUS ? -value : value;
  return j;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= ZERO && c <= NINE;
