/**
 * A transcript line's usage, for src/transcripts/usage-scan-wasm.ts (docs/decisions.md, "The
 * line scanner in WebAssembly"). scan() is usageFieldsOfLine (src/transcripts/
 * usage-fields-of-line.ts): the same walk over one line, the same checks, for the lines Claude
 * Code writes; usage() is usageLineOf (src/transcripts/scan-usage-lines.ts) over what scan()
 * found. Anything else is declined (scan returns -1, usage returns LEAVE) and JavaScript reads
 * the line, so this never has to be right about a line it does not fully understand — only
 * exactly right about the ones it answers.
 *
 * Memory: the line at [LINE, LINE + length); what scan() found at [SLOTS, SLOTS + 24 × 35).
 * Each slot is one field usageLineOf reads, in one of nine objects (RECORD, its data, the
 * data's message (HOLDER), two messages, two usages, two cache splits): i32 type, i32 start,
 * i32 end, f64 value. usage-scan-wasm.ts mirrors the string and number types, and the layout of
 * usage()'s answer (below).
 */

const SLOT_SIZE: usize = 24;
const SLOT_COUNT: i32 = 35;
const SLOTS: usize = memory.data(<i32>SLOT_SIZE * SLOT_COUNT, 16);
/** The instance open at each depth (i32), up to MAX_DEPTH + 1. */
const STACK: usize = memory.data(4 * 66, 16);
/** skipArray's brackets. */
const BRACKETS: usize = memory.data(256, 16);
/** The line: from the end of the static data to the end of memory. */
const LINE: usize = (__heap_base + 15) & ~(<usize>15);
const LONG_STRING: usize = 160;
const MAX_DEPTH: i32 = 64;

// Slot types.
const ABSENT: i32 = 0;
const TEXT: i32 = 1; // latin1 bytes [start, end)
const ESCAPED: i32 = 2; // JSON text of the string, quotes included, [start, end)
const EMPTY: i32 = 3; // a long string: read as ""
const NUMBER: i32 = 4; // value
const NUMBER_TEXT: i32 = 5; // Number() of [start, end)
/** true, false, null, an array or an object not built: to usageLineOf, neither string nor number nor an object it reads. */
const OTHER_VALUE: i32 = 6;
const BUILT: i32 = 7; // the object of the field's child instance

// Instances and their first slot.
const OTHER: i32 = -1;
const R: i32 = 0;
const D: i32 = 1;
const H: i32 = 2;
const M1: i32 = 3;
const U1: i32 = 4;
const C1: i32 = 5;
const M2: i32 = 6;
const U2: i32 = 7;
const C2: i32 = 8;

const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;

// Set by skipString.
let escaped = false;
// Set by readNumber.
let numberValue: f64 = 0;
let numberPlain = true;

function byte(i: usize): u8 {
  return load<u8>(i);
}

function slotAt(slot: i32): usize {
  return SLOTS + <usize>slot * SLOT_SIZE;
}

function setSlot(slot: i32, type: i32, start: usize, end: usize, value: f64): void {
  const p = slotAt(slot);
  store<i32>(p, type);
  store<i32>(p, <i32>start, 4);
  store<i32>(p, <i32>end, 8);
  store<f64>(p, value, 16);
}

function clearSlots(from: i32, to: i32): void {
  for (let s = from; s < to; s++) store<i32>(slotAt(s), ABSENT);
}

/** A new object for `instance`: its fields and its descendants' fields absent again. */
function reset(instance: i32): void {
  switch (instance) {
    case R:
      clearSlots(0, SLOT_COUNT);
      break;
    case D:
      clearSlots(7, 11);
      clearSlots(23, 35);
      break;
    case H:
      clearSlots(8, 11);
      clearSlots(23, 35);
      break;
    case M1:
      clearSlots(11, 23);
      break;
    case U1:
      clearSlots(14, 23);
      break;
    case C1:
      clearSlots(21, 23);
      break;
    case M2:
      clearSlots(23, 35);
      break;
    case U2:
      clearSlots(26, 35);
      break;
    case C2:
      clearSlots(33, 35);
      break;
    default:
      break;
  }
}

function same(at: usize, length: usize, name: string): bool {
  if (<i32>length !== name.length) return false;
  for (let k = 0; k < <i32>length; k++) if (<i32>byte(at + <usize>k) !== name.charCodeAt(k)) return false;
  return true;
}

// Set by fieldOf: the child instance of the field found (OTHER: a value read as it is).
let fieldChild: i32 = OTHER;

/** The slot of the key [at, at + length) in `instance`, or -1. */
function fieldOf(instance: i32, at: usize, length: usize): i32 {
  fieldChild = OTHER;
  switch (instance) {
    case R:
      if (same(at, length, 'type')) return 0;
      if (same(at, length, 'timestamp')) return 1;
      if (same(at, length, 'requestId')) return 2;
      if (same(at, length, 'sessionId')) return 3;
      if (same(at, length, 'costUSD')) return 4;
      if (same(at, length, 'message')) {
        fieldChild = M1;
        return 5;
      }
      if (same(at, length, 'data')) {
        fieldChild = D;
        return 6;
      }
      return -1;
    case D:
      if (same(at, length, 'message')) {
        fieldChild = H;
        return 7;
      }
      return -1;
    case H:
      if (same(at, length, 'timestamp')) return 8;
      if (same(at, length, 'requestId')) return 9;
      if (same(at, length, 'message')) {
        fieldChild = M2;
        return 10;
      }
      return -1;
    case M1:
    case M2: {
      const base = instance === M1 ? 11 : 23;
      if (same(at, length, 'id')) return base;
      if (same(at, length, 'model')) return base + 1;
      if (same(at, length, 'usage')) {
        fieldChild = instance === M1 ? U1 : U2;
        return base + 2;
      }
      return -1;
    }
    case U1:
    case U2: {
      const base = instance === U1 ? 14 : 26;
      if (same(at, length, 'input_tokens')) return base;
      if (same(at, length, 'output_tokens')) return base + 1;
      if (same(at, length, 'cache_creation_input_tokens')) return base + 2;
      if (same(at, length, 'cache_read_input_tokens')) return base + 3;
      if (same(at, length, 'cache_creation')) {
        fieldChild = instance === U1 ? C1 : C2;
        return base + 4;
      }
      if (same(at, length, 'speed')) return base + 5;
      if (same(at, length, 'iterations')) return base + 6;
      return -1;
    }
    case C1:
    case C2: {
      const base = instance === C1 ? 21 : 33;
      if (same(at, length, 'ephemeral_1h_input_tokens')) return base;
      if (same(at, length, 'ephemeral_5m_input_tokens')) return base + 1;
      return -1;
    }
    default:
      return -1;
  }
}

function hex(c: u8): bool {
  const l = c | 0x20;
  return (l >= 0x30 && l <= 0x39) || (l >= 0x61 && l <= 0x66);
}

/** Past the escape at `at` (a backslash), or 0 when JSON does not allow it. */
function escapeEnd(at: usize): usize {
  escaped = true;
  const next = byte(at + 1);
  if (next === 0x75) {
    return hex(byte(at + 2)) && hex(byte(at + 3)) && hex(byte(at + 4)) && hex(byte(at + 5)) ? at + 6 : 0;
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
    : 0;
}

/** The first quote in [from, end) after an even run of backslashes, or 0 (`from` is inside a string). */
function closingQuote(from: usize, end: usize): usize {
  let j = from;
  const quotes = i8x16.splat(0x22);
  while (j + 16 <= end) {
    const mask = i8x16.bitmask(i8x16.eq(v128.load(j), quotes));
    if (mask === 0) {
      j += 16;
      continue;
    }
    const q = j + <usize>ctz(mask);
    let backslashes = 0;
    for (let k = q - 1; byte(k) === BACKSLASH; k--) backslashes++;
    if ((backslashes & 1) === 0) return q;
    j = q + 1;
  }
  while (j < end) {
    if (byte(j) === QUOTE) {
      let backslashes = 0;
      for (let k = j - 1; byte(k) === BACKSLASH; k--) backslashes++;
      if ((backslashes & 1) === 0) return j;
    }
    j++;
  }
  return 0;
}

/**
 * The quote closing the string that opens at `at`, or 0: as usageFieldsOfLine's skipString, or
 * stricter (then the JavaScript scanner reads the line). Escapes and control characters are
 * checked up to LONG_STRING bytes (usageFieldsOfLine: all of a short string, the first 32 bytes
 * of a long one); past that only the closing quote is looked for. Sixteen bytes at a time.
 */
function skipString(at: usize, end: usize): usize {
  escaped = false;
  let j = at + 1;
  const limit = min(end, at + LONG_STRING + 1);
  const quotes = i8x16.splat(0x22);
  const backslashes = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  while (j + 16 <= limit) {
    const v = v128.load(j);
    const mask = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, quotes), i8x16.eq(v, backslashes)), i8x16.lt_u(v, space)));
    if (mask === 0) {
      j += 16;
      continue;
    }
    const k = j + <usize>ctz(mask);
    const c = byte(k);
    if (c === QUOTE) return k;
    if (c !== BACKSLASH) return 0; // a control character
    j = escapeEnd(k);
    if (j === 0) return 0;
  }
  while (j < limit) {
    const c = byte(j);
    if (c === QUOTE) return j;
    if (c === BACKSLASH) {
      j = escapeEnd(j);
      if (j === 0) return 0;
      continue;
    }
    if (c < 0x20) return 0;
    j++;
  }
  // Longer than LONG_STRING (read as ""): only its end matters.
  return j < end ? closingQuote(j, end) : 0;
}

/** The close of a string inside a skipped array (not checked, as usageFieldsOfLine does not), or 0. */
function skipLooseString(at: usize, end: usize): usize {
  let j = at + 1;
  const quotes = i8x16.splat(0x22);
  const backslashes = i8x16.splat(0x5c);
  while (j + 16 <= end) {
    const v = v128.load(j);
    const mask = i8x16.bitmask(v128.or(i8x16.eq(v, quotes), i8x16.eq(v, backslashes)));
    if (mask === 0) {
      j += 16;
      continue;
    }
    const k = j + <usize>ctz(mask);
    if (byte(k) === QUOTE) return k;
    j = k + 2;
  }
  while (j < end) {
    const c = byte(j);
    if (c === QUOTE) return j;
    j += c === BACKSLASH ? 2 : 1;
  }
  return 0;
}

/** Past the array opening at `at` (brackets matched, strings skipped unchecked), or 0. */
function skipArray(at: usize, end: usize): usize {
  // Brackets in a small stack above the depth stack: [ and { pushed as their closers.
  const brackets: usize = BRACKETS;
  let open: usize = 0;
  store<u8>(brackets + open++, 0x5d);
  let i = at + 1;
  while (i < end) {
    const c = byte(i);
    if (c === QUOTE) {
      const j = skipLooseString(i, end);
      if (j === 0) return 0;
      i = j + 1;
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      if (open === 256) return 0;
      store<u8>(brackets + open++, c + 2);
    } else if (c === 0x5d || c === 0x7d) {
      open--;
      if (load<u8>(brackets + open) !== c) return 0;
      if (open === 0) return i + 1;
    }
    i++;
  }
  return 0;
}

function digit(c: u8): bool {
  return c >= 0x30 && c <= 0x39;
}

/** Past the JSON number at `at` (numberValue, numberPlain), or 0. */
function readNumber(at: usize, end: usize): usize {
  let j = at;
  if (byte(j) === 0x2d) j++;
  const first = byte(j);
  let value: f64 = 0;
  if (first === 0x30) j++;
  else if (first >= 0x31 && first <= 0x39) {
    while (j < end) {
      const c = byte(j);
      if (!digit(c)) break;
      value = value * 10 + <f64>(c - 0x30);
      j++;
    }
  } else return 0;
  let plain = j - at <= 15;
  if (byte(j) === 0x2e) {
    plain = false;
    j++;
    if (!digit(byte(j))) return 0;
    while (digit(byte(j))) j++;
  }
  if ((byte(j) | 0x20) === 0x65) {
    plain = false;
    j++;
    if (byte(j) === 0x2b || byte(j) === 0x2d) j++;
    if (!digit(byte(j))) return 0;
    while (digit(byte(j))) j++;
  }
  if (j > end) return 0;
  numberPlain = plain;
  numberValue = byte(at) === 0x2d ? -value : value;
  return j;
}

function literal(at: usize, text: string): bool {
  for (let k = 0; k < text.length; k++) if (<i32>byte(at + <usize>k) !== text.charCodeAt(k)) return false;
  return true;
}

/** The length of the literal true, false or null at `at`, or 0. */
function literalLength(at: usize): usize {
  if (literal(at, 'true') || literal(at, 'null')) return 4;
  return literal(at, 'false') ? 5 : 0;
}

function instanceAt(depth: i32): i32 {
  return load<i32>(STACK + ((<usize>depth) << 2));
}

/** Where the line goes: the caller copies it there (at most `capacity()` bytes). */
export function line(): usize {
  return LINE;
}

/** The longest line scan() takes: the memory after LINE, less room for the few bytes read past a line's end. */
export function capacity(): i32 {
  return <i32>(<usize>memory.size() * 65536 - LINE - 64);
}

/**
 * Reads the line of `length` bytes at line(): 0 and the slots filled, or -1 when the JavaScript
 * scanner is to read it. The caller has removed trailing CRs and spaces.
 */
export function scan(length: i32): i32 {
  const start = LINE;
  const end = LINE + <usize>length;
  if (length < 2 || byte(start) !== 0x7b || byte(end - 1) !== 0x7d) return -1;
  reset(R);
  if (byte(start + 1) === 0x7d) return length === 2 ? 0 : -1;
  let depth: i32 = 0;
  let instance: i32 = R;
  store<i32>(STACK, R);
  let i = start + 1;
  while (true) {
    // One member of the object at `depth`: its key, then its value.
    if (byte(i) !== QUOTE) return -1;
    const close = skipString(i, end);
    if (close === 0 || escaped || byte(close + 1) !== 0x3a) return -1;
    let slot: i32 = -1;
    let child: i32 = OTHER;
    let iterations = false;
    if (instance !== OTHER) {
      slot = fieldOf(instance, i + 1, close - i - 1);
      child = fieldChild;
    }
    if (slot < 0) iterations = same(i + 1, close - i - 1, 'iterations');
    else iterations = slot === 20 || slot === 32;
    i = close + 2;
    if (i >= end) return -1;
    const c = byte(i);
    if (c === 0x7b) {
      if (slot >= 0) {
        if (child !== OTHER) {
          reset(child);
          setSlot(slot, BUILT, 0, 0, 0);
        } else setSlot(slot, OTHER_VALUE, 0, 0, 0);
      }
      if (byte(i + 1) === 0x7d) {
        i += 2;
      } else {
        if (depth === MAX_DEPTH) return -1;
        depth++;
        instance = slot >= 0 && child !== OTHER ? child : OTHER;
        store<i32>(STACK + ((<usize>depth) << 2), instance);
        i++;
        continue;
      }
    } else if (c === QUOTE) {
      const k = skipString(i, end);
      if (k === 0) return -1;
      if (slot >= 0) {
        if (k - i > LONG_STRING) setSlot(slot, EMPTY, 0, 0, 0);
        else if (escaped) setSlot(slot, ESCAPED, i, k + 1, 0);
        else setSlot(slot, TEXT, i + 1, k, 0);
      }
      i = k + 1;
    } else if (c === 0x5b) {
      // An array: `iterations` (anywhere) is read by the JavaScript scanner unless empty.
      if (iterations && byte(i + 1) !== 0x5d) return -1;
      const k = skipArray(i, end);
      if (k === 0) return -1;
      if (slot >= 0) setSlot(slot, OTHER_VALUE, 0, 0, 0);
      i = k;
    } else if (c === 0x2d || digit(c)) {
      const k = readNumber(i, end);
      if (k === 0) return -1;
      if (slot >= 0) {
        if (numberPlain) setSlot(slot, NUMBER, 0, 0, numberValue);
        else setSlot(slot, NUMBER_TEXT, i, k, 0);
      }
      i = k;
    } else {
      const length = literalLength(i);
      if (length === 0) return -1;
      i += length;
      if (slot >= 0) setSlot(slot, OTHER_VALUE, 0, 0, 0);
    }
    // After a member: `,` and the next, or the close of its object (and perhaps more).
    while (true) {
      if (i >= end) return -1;
      const s = byte(i);
      if (s === 0x2c) {
        i++;
        break;
      }
      if (s !== 0x7d) return -1;
      i++;
      if (depth === 0) return i === end ? 0 : -1;
      depth--;
      instance = instanceAt(depth);
    }
  }
}

/** Where the slots are. */
export function slots(): usize {
  return SLOTS;
}

/*
 * usageLineOf (src/transcripts/scan-usage-lines.ts) over the slots of the line scan() read, for
 * the plain case; whatever needs JavaScript's own reading (an escaped string it compares, a
 * token count written as 1e3) is left to it. What it finds is at usageOut():
 *   f64 input, output, cacheWrite5m, cacheWrite1h, cacheRead (0–39);
 *   i32 fast; then the slots of timestamp, requestId, sessionId, model, key and costUSD
 *   (-1: none — '' for the strings, NaN for the cost) (40–67);
 *   i32 what the key's hash is (68): KEY_NONE, KEY_HASHED (then f64 at 80), KEY_ESCAPED
 *   (JavaScript reads and hashes it);
 *   f64 the timestamp in ms (72), NaN when JavaScript is to parse it (anything but
 *   YYYY-MM-DDTHH:MM:SS.sssZ with hours 0–23);
 *   i32 (88): bit 0 the model, bit 1 the session id, are the bytes of the last line answered
 *   USAGE (JavaScript keeps that line's strings and need not make them again).
 */
const OUT: usize = memory.data(96, 16);
const KEY_NONE: i32 = 0;
const KEY_HASHED: i32 = 1;
const KEY_ESCAPED: i32 = 2;
/** The last model and session id answered (length, then up to LONG_STRING = 160 bytes; length -1: none). */
const LAST_MODEL: usize = memory.data(164, 16);
const LAST_SESSION: usize = memory.data(164, 16);
store<i32>(LAST_MODEL, -1);
store<i32>(LAST_SESSION, -1);

/** Whether the string in `slot` is the one kept at `last`; keeps it there when not. */
function sameAsLast(slot: i32, last: usize): bool {
  if (slot < 0 || typeOf(slot) !== TEXT) {
    store<i32>(last, -1);
    return false;
  }
  const p = slotAt(slot);
  const start = <usize>load<i32>(p, 4);
  const length = load<i32>(p, 8) - <i32>start;
  if (length === load<i32>(last) && memory.compare(start, last + 4, <usize>length) === 0) return true;
  store<i32>(last, length);
  memory.copy(last + 4, start, <usize>length);
  return false;
}
const NOT_USAGE: i32 = 0;
const USAGE: i32 = 1;
const SYNTHETIC: i32 = 2;
const LEAVE: i32 = 3;

export function usageOut(): usize {
  return OUT;
}

function typeOf(slot: i32): i32 {
  return load<i32>(slotAt(slot));
}

function isString(slot: i32): bool {
  const t = typeOf(slot);
  return t === TEXT || t === ESCAPED || t === EMPTY;
}

function isNumber(slot: i32): bool {
  const t = typeOf(slot);
  return t === NUMBER || t === NUMBER_TEXT;
}

/** 1: the slot is the string `text`, 0: it is not, -1: it is escaped (JavaScript compares). */
function stringIs(slot: i32, text: string): i32 {
  const t = typeOf(slot);
  if (t === ESCAPED) return -1;
  if (t !== TEXT) return 0;
  const p = slotAt(slot);
  const start = <usize>load<i32>(p, 4);
  const end = <usize>load<i32>(p, 8);
  return same(start, end - start, text) ? 1 : 0;
}

// Set by count: a token count JavaScript must read (written as 1e3, 2.5, …).
let countLeft = false;

/** usageLineOf's count(): the slot's number when positive, else 0. */
function count(slot: i32): f64 {
  const t = typeOf(slot);
  if (t === NUMBER_TEXT) countLeft = true;
  if (t !== NUMBER) return 0;
  const v = load<f64>(slotAt(slot), 16);
  return v > 0 ? v : 0;
}

function stringSlot(slot: i32): i32 {
  return isString(slot) ? slot : -1;
}

export function usage(): i32 {
  let holderTimestamp = 1;
  let holderRequestId = 2;
  let messageSlot = 5;
  let m = 11; // the message's first slot
  let u = 14;
  let c = 21;
  const progress = stringIs(0, 'progress');
  if (progress < 0) return LEAVE;
  if (progress === 1) {
    if (typeOf(6) !== BUILT || typeOf(7) !== BUILT) return NOT_USAGE;
    holderTimestamp = 8;
    holderRequestId = 9;
    messageSlot = 10;
    m = 23;
    u = 26;
    c = 33;
  }
  if (typeOf(messageSlot) !== BUILT || typeOf(m + 2) !== BUILT) return NOT_USAGE;
  if (!isNumber(u) || !isNumber(u + 1)) return NOT_USAGE;
  const synthetic = stringIs(m + 1, '<synthetic>');
  if (synthetic < 0) return LEAVE;
  if (synthetic === 1) return SYNTHETIC;
  const fast = stringIs(u + 5, 'fast');
  if (fast < 0) return LEAVE;
  countLeft = false;
  let cacheWrite1h: f64 = 0;
  let cacheWrite = count(u + 2);
  if (typeOf(u + 4) === BUILT) {
    cacheWrite1h = count(c);
    cacheWrite = max(cacheWrite, cacheWrite1h + count(c + 1));
  }
  store<f64>(OUT, count(u), 0);
  store<f64>(OUT, count(u + 1), 8);
  store<f64>(OUT, cacheWrite - cacheWrite1h, 16);
  store<f64>(OUT, cacheWrite1h, 24);
  store<f64>(OUT, count(u + 3), 32);
  if (countLeft) return LEAVE;
  store<i32>(OUT, fast, 40);
  // The holder's timestamp when a string, else the record's (whatever it is: JavaScript then finds no date).
  store<i32>(OUT, isString(holderTimestamp) ? holderTimestamp : stringSlot(1), 44);
  const requestId = stringSlot(holderRequestId);
  store<i32>(OUT, requestId, 48);
  store<i32>(OUT, stringSlot(3), 52);
  store<i32>(OUT, stringSlot(m + 1), 56);
  // The key: message.id unless it is not a string or is empty ("" or read as "": too long).
  const id = typeOf(m);
  const idEmpty = id === EMPTY || (id === TEXT && load<i32>(slotAt(m), 8) === load<i32>(slotAt(m), 4));
  const key = (id === TEXT || id === ESCAPED) && !idEmpty ? m : requestId;
  store<i32>(OUT, key, 60);
  store<i32>(OUT, isNumber(4) ? 4 : -1, 64);
  let keyState = KEY_NONE;
  if (key >= 0 && typeOf(key) === ESCAPED) keyState = KEY_ESCAPED;
  else if (key >= 0 && typeOf(key) === TEXT) {
    const p = slotAt(key);
    const start = <usize>load<i32>(p, 4);
    const end = <usize>load<i32>(p, 8);
    // requestId "" (and an EMPTY one) is no key, as in usageLineOf.
    if (end > start) {
      keyState = KEY_HASHED;
      store<f64>(OUT, lookupHash(start, end), 80);
    }
  }
  store<i32>(OUT, keyState, 68);
  const timestamp = load<i32>(OUT, 44);
  store<f64>(OUT, timestamp >= 0 && typeOf(timestamp) === TEXT ? isoMs(timestamp) : NaN, 72);
  const sameModel = sameAsLast(load<i32>(OUT, 56), LAST_MODEL);
  const sameSession = sameAsLast(load<i32>(OUT, 52), LAST_SESSION);
  store<i32>(OUT, (sameModel ? 1 : 0) | (sameSession ? 2 : 0), 88);
  return USAGE;
}

/** src/transcripts/lookup-hash.ts's lookupHash of the latin1 text [start, end): its char codes are the bytes. */
function lookupHash(start: usize, end: usize): f64 {
  let a: u32 = 0x811c9dc5;
  let b: u32 = 0x01000193 ^ 0x5bd1e995;
  for (let i = start; i < end; i++) {
    const ch = <u32>byte(i);
    a = (a ^ ch) * 0x01000193;
    b = (b ^ ch) * 0x5bd1e995;
    b ^= b >>> 15;
  }
  return <f64>a * 2097152.0 + <f64>(b & 0x1fffff);
}

function digits(at: usize, n: i32): i32 {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = byte(at + <usize>k);
    if (!digit(c)) return -1;
    v = v * 10 + <i32>(c - 0x30);
  }
  return v;
}

/**
 * Date.parse of the string in `slot` when it is YYYY-MM-DDTHH:MM:SS.sssZ (hours 0–23), else NaN
 * (JavaScript's Date.parse then reads it). Days 1–31 in any month, as V8 reads them (Feb 30 is
 * Mar 2): the day number of the month's first day, plus the day less one.
 */
function isoMs(slot: i32): f64 {
  const p = slotAt(slot);
  const at = <usize>load<i32>(p, 4);
  if (load<i32>(p, 8) - <i32>at !== 24) return NaN;
  if (byte(at + 4) !== 0x2d || byte(at + 7) !== 0x2d || byte(at + 10) !== 0x54) return NaN;
  if (byte(at + 13) !== 0x3a || byte(at + 16) !== 0x3a || byte(at + 19) !== 0x2e || byte(at + 23) !== 0x5a) return NaN;
  const year = digits(at, 4);
  const month = digits(at + 5, 2);
  const day = digits(at + 8, 2);
  const hour = digits(at + 11, 2);
  const minute = digits(at + 14, 2);
  const second = digits(at + 17, 2);
  const ms = digits(at + 20, 3);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) return NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return NaN;
  // Days from 1970-01-01 to the first of the month (H. Hinnant's days_from_civil, March-based years).
  const y = month <= 2 ? year - 1 : year;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = (153 * mp + 2) / 5;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const days = <f64>(era * 146097 + doe - 719468 + day - 1);
  return days * 86400000 + <f64>(hour * 3600000 + minute * 60000 + second * 1000 + ms);
}
