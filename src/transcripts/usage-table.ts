import type { TokenField } from '../lib/usage-counts.ts';
import type { SavedNames } from './index-file-format.ts';
import { ITERATION_SHIFT } from './iteration-types.ts';
import { KeyTable, keyedRows } from './key-table.ts';
import { lineKeyHash } from './lookup-hash.ts';
import type { QuarterSums } from './quarter-sums.ts';
import type { UsageLine } from './scan-usage-lines.ts';

/**
 * Every API response counted once, in columns (typed arrays), so that reports and the
 * status line read 100,000 responses in a few milliseconds and the index stores them
 * as raw bytes. A row is one response (one message.id); when the same response is
 * seen again — streaming snapshots, a resumed session's copy, a sidechain replay, a
 * progress record's copy — each token field keeps its largest value.
 */

const FLOAT_COLUMNS = ['timestampMs', 'reportedCostUsd', 'keyHash'] as const;
/**
 * Token counts are whole numbers below 2^32 (the scanner skips a line with any other): as
 * 32-bit columns they take half the bytes, and V8 reads them as small integers, so a report's
 * loop allocates nothing per row even before it is optimized.
 */
const U32_COLUMNS = [
  'input',
  'output',
  'cacheWrite5m',
  'cacheWrite1h',
  'cacheRead',
  'model',
  'session',
  'project',
  'owners',
  'flags',
] as const;
export type FloatColumn = (typeof FLOAT_COLUMNS)[number];
export type U32Column = (typeof U32_COLUMNS)[number];
export const COLUMN_NAMES = [...FLOAT_COLUMNS, ...U32_COLUMNS];
/**
 * Columns only an update needs (finding and merging responses, knowing who holds them):
 * a warm report that finds nothing changed does not read them from the index.
 * `reportedCostUsd` is not one of them: reports sum it (Claude Code's own `costUSD`, the
 * `cost_usd` of takt.report/2).
 */
export const UPDATE_COLUMNS: ReadonlySet<string> = new Set(['keyHash', 'owners']);

/**
 * Where each shared token field (lib/usage-counts.ts) lives in the table; cache_creation_tokens
 * is not stored, it is the sum of the 5-minute and 1-hour writes. A new token type fails to
 * compile here until the table stores it.
 */
export const COLUMN_OF_TOKEN_FIELD = {
  input_tokens: 'input',
  output_tokens: 'output',
  cache_read_tokens: 'cacheRead',
  cache_creation_tokens: null,
  cache_creation_5m_tokens: 'cacheWrite5m',
  cache_creation_1h_tokens: 'cacheWrite1h',
} as const satisfies Record<TokenField, U32Column | null>;

export const FLAG_FAST = 1;
/** No file holds this response any more (its files were deleted or rewritten). */
export const FLAG_DEAD = 2;

/**
 * Strings stored once, referred to by number; the lookup map is built on first use. Saved ones
 * (session ids) may come as SavedNames: then one string is looked up, or one number named, in
 * the saved text until more than a few are, and strings interned meanwhile get the numbers after
 * the saved ones, as they would have had.
 */
export class StringTable {
  private map: Map<string, number> | undefined;
  private loaded: string[] | undefined;
  /** Interned while the saved strings were not loaded: numbers from saved.count() on. */
  private added: string[] = [];
  /** Lookups left in the saved text before it is parsed whole. */
  private lookupsLeft = 4;
  /** The last string interned and its id: lines of one file mostly repeat them. */
  last = '';
  lastId = -1;
  constructor(private readonly saved: string[] | SavedNames = []) {
    if (Array.isArray(saved)) this.loaded = saved;
  }

  get values(): string[] {
    if (this.loaded === undefined) {
      this.loaded = (this.saved as SavedNames).all().concat(this.added);
      this.added = [];
    }
    return this.loaded;
  }

  get ids(): Map<string, number> {
    this.map ??= new Map(this.values.map((v, i) => [v, i]));
    return this.map;
  }

  /** The number of `value`, or undefined when it has none. */
  idOf(value: string): number | undefined {
    if (this.loaded !== undefined || this.lookupsLeft-- <= 0) return this.ids.get(value);
    const saved = this.saved as SavedNames;
    const found = saved.find(value);
    if (found !== -1) return found;
    const added = this.added.indexOf(value);
    return added === -1 ? undefined : saved.count() + added;
  }

  /** The string numbered `id`. */
  nameOf(id: number): string | undefined {
    if (this.loaded !== undefined) return this.loaded[id];
    const saved = this.saved as SavedNames;
    return id < saved.count() ? saved.nameAt(id) : this.added[id - saved.count()];
  }

  /** Gives `value` the next number (it has none yet). */
  add(value: string): number {
    if (this.loaded === undefined) {
      this.added.push(value);
      return (this.saved as SavedNames).count() + this.added.length - 1;
    }
    const id = this.loaded.length;
    this.loaded.push(value);
    this.map?.set(value, id);
    return id;
  }
}

export function internString(table: StringTable, value: string): number {
  if (value === table.last && table.lastId !== -1) return table.lastId;
  const id = table.idOf(value) ?? table.add(value);
  table.last = value;
  table.lastId = id;
  return id;
}

type Columns = Record<FloatColumn, Float64Array> & Record<U32Column, Uint32Array>;

export class UsageTable {
  count = 0;
  /** Read on first use when loaded lazily (a report that sums the quarter hours never reads them). */
  private loadedColumns: Columns | undefined;
  private readColumns: (() => Columns) | undefined;
  readonly models: StringTable;
  readonly sessions: StringTable;
  readonly projects: StringTable;
  /** keyHash → row for rows added since loading (the saved key table covers the rest). */
  private recent = new KeyTable();
  /** keyHash → row as saved: built in one pass when saving, used as loaded, never rebuilt on a warm run. */
  private saved: KeyTable;
  /** Per row: the last file (by serial) that claimed it; not saved. */
  private marks = new Uint32Array(0);
  private markSerial = 0;
  private keysToRemember = false;
  /** Loaded without UPDATE_COLUMNS and the key index: readable, not changeable until completed. */
  private incomplete: boolean;
  /** The quarter-hour sums as loaded or set, or what reads them on first use. */
  private quarterSumsNow: QuarterSums | (() => QuarterSums) | undefined;
  /** The same per hour (quarter-hour-sums.ts): fewer entries where the zone allows. */
  hourSums: QuarterSums | undefined;

  constructor(
    init: {
      count: number;
      /** Or a function that reads them on first use (it may throw IndexReplacedError). */
      columns: Columns | (() => Columns);
      models: string[];
      /** Or as saved, read when needed. */
      sessions: string[] | SavedNames;
      projects: string[];
      keySlots: Float64Array;
      keyRows: Uint32Array;
      incomplete?: boolean;
      /** Or a function that reads them on first use (it may throw IndexReplacedError). */
      quarterSums?: QuarterSums | (() => QuarterSums);
      hourSums?: QuarterSums;
    } = emptyInit(),
  ) {
    this.count = init.count;
    if (typeof init.columns === 'function') this.readColumns = init.columns;
    else this.loadedColumns = init.columns;
    this.models = new StringTable(init.models);
    this.sessions = new StringTable(init.sessions);
    this.projects = new StringTable(init.projects);
    this.saved = new KeyTable(init.keySlots, init.keyRows);
    this.incomplete = init.incomplete === true;
    this.quarterSumsNow = init.quarterSums;
    this.hourSums = init.hourSums;
  }

  /**
   * The live rows summed per quarter hour, model and class (quarter-hour-sums.ts), as saved or
   * just computed for saving: a report sums these instead of the rows (or the hourly sums when
   * the zone allows, and then these are not read). Any change drops them.
   */
  get quarterSums(): QuarterSums | undefined {
    if (typeof this.quarterSumsNow === 'function') this.quarterSumsNow = this.quarterSumsNow();
    return this.quarterSumsNow;
  }

  set quarterSums(sums: QuarterSums | undefined) {
    this.quarterSumsNow = sums;
  }

  get columns(): Columns {
    if (this.loadedColumns === undefined) {
      this.loadedColumns = (this.readColumns as () => Columns)();
      this.readColumns = undefined;
    }
    return this.loadedColumns;
  }

  set columns(columns: Columns) {
    this.loadedColumns = columns;
    this.readColumns = undefined;
  }

  get isComplete(): boolean {
    return !this.incomplete;
  }

  /** Adds the columns and key table an incomplete table was loaded without. */
  complete(
    columns: Record<'keyHash', Float64Array> & Record<'owners', Uint32Array>,
    keySlots: Float64Array,
    keyRows: Uint32Array,
  ): void {
    this.columns.keyHash = columns.keyHash;
    this.columns.owners = columns.owners;
    this.saved = new KeyTable(keySlots, keyRows);
    this.incomplete = false;
  }

  private mustBeComplete(): void {
    if (this.incomplete) throw new Error('the usage table was loaded for reading only');
  }

  get capacity(): number {
    return this.columns.timestampMs.length;
  }

  /**
   * Makes every keyed row findable (a small table loaded without its key table: the status
   * line's last two days). The lookup table is built on the first lookup: a status line with
   * nothing appended to its session never needs it.
   */
  rememberKeys(): void {
    this.mustBeComplete();
    this.keysToRemember = true;
  }

  /** The row of a response key, or -1. */
  findRow(hash: number): number {
    if (this.keysToRemember) {
      this.keysToRemember = false;
      this.recent = KeyTable.of(this.columns.keyHash, this.count);
    }
    const recent = this.recent.find(hash);
    return recent !== -1 ? recent : this.saved.find(hash);
  }

  /** Room for `rows` rows in all, so that a first build does not grow the columns step by step. */
  reserve(rows: number): void {
    if (rows > this.capacity) this.grow(rows);
  }

  /**
   * Starts counting the lines of one file that already holds `rows`: returns a serial for
   * `claim`, which says whether a row is new to that file (no set of rows per file).
   */
  beginClaims(rows: ArrayLike<number>): number {
    this.growMarks();
    const serial = ++this.markSerial;
    for (let i = 0; i < rows.length; i++) this.marks[rows[i] as number] = serial;
    return serial;
  }

  /** Whether `row` was not yet claimed under `serial` (and claims it). */
  claim(row: number, serial: number): boolean {
    if (row >= this.marks.length) this.growMarks(); // the columns grew since
    if (this.marks[row] === serial) return false;
    this.marks[row] = serial;
    return true;
  }

  private growMarks(): void {
    if (this.marks.length >= this.capacity) return;
    const marks = new Uint32Array(this.capacity);
    marks.set(this.marks);
    this.marks = marks;
  }

  /**
   * Counts one usage line seen in a file of `project`: a new row, or the row of the same
   * response merged field by field (largest value wins). Returns the row.
   */
  addLine(line: UsageLine, project: string): number {
    this.mustBeComplete();
    this.quarterSums = undefined;
    this.hourSums = undefined;
    const hash = lineKeyHash(line);
    const existing = Number.isNaN(hash) ? -1 : this.findRow(hash);
    const c = this.columns;
    if (existing !== -1) {
      const flags = c.flags[existing] as number;
      if (flags & FLAG_DEAD) {
        this.writeRow(existing, line, project, hash);
        c.owners[existing] = 0;
      } else {
        c.input[existing] = Math.max(c.input[existing] as number, line.input);
        c.output[existing] = Math.max(c.output[existing] as number, line.output);
        c.cacheWrite5m[existing] = Math.max(c.cacheWrite5m[existing] as number, line.cacheWrite5m);
        c.cacheWrite1h[existing] = Math.max(c.cacheWrite1h[existing] as number, line.cacheWrite1h);
        c.cacheRead[existing] = Math.max(c.cacheRead[existing] as number, line.cacheRead);
        if (line.fast) c.flags[existing] = flags | FLAG_FAST;
        const reported = c.reportedCostUsd[existing] as number;
        if (!Number.isNaN(line.reportedCostUsd) && !(reported >= line.reportedCostUsd)) {
          c.reportedCostUsd[existing] = line.reportedCostUsd;
        }
        if (line.timestampMs < (c.timestampMs[existing] as number)) c.timestampMs[existing] = line.timestampMs;
      }
      return existing;
    }
    if (this.count === this.capacity) this.grow(Math.max(1024, this.capacity * 2));
    const row = this.count++;
    this.writeRow(row, line, project, hash);
    c.owners[row] = 0;
    if (!Number.isNaN(hash)) this.recent.insert(hash, row);
    return row;
  }

  private writeRow(row: number, line: UsageLine, project: string, hash: number): void {
    const c = this.columns;
    c.timestampMs[row] = line.timestampMs;
    c.input[row] = line.input;
    c.output[row] = line.output;
    c.cacheWrite5m[row] = line.cacheWrite5m;
    c.cacheWrite1h[row] = line.cacheWrite1h;
    c.cacheRead[row] = line.cacheRead;
    c.reportedCostUsd[row] = line.reportedCostUsd;
    c.keyHash[row] = hash;
    c.model[row] = internString(this.models, line.model);
    c.session[row] = internString(this.sessions, line.sessionId);
    c.project[row] = internString(this.projects, project);
    c.flags[row] = (line.fast ? FLAG_FAST : 0) | ((line.iteration ?? 0) << ITERATION_SHIFT);
  }

  /** A file that held the row is gone: the response stays counted while any other file holds it. */
  release(row: number): void {
    this.mustBeComplete();
    this.quarterSums = undefined;
    this.hourSums = undefined;
    const c = this.columns;
    const owners = (c.owners[row] as number) - 1;
    c.owners[row] = Math.max(0, owners);
    if (owners <= 0) {
      c.flags[row] = (c.flags[row] as number) | FLAG_DEAD;
      c.input[row] = 0;
      c.output[row] = 0;
      c.cacheWrite5m[row] = 0;
      c.cacheWrite1h[row] = 0;
      c.cacheRead[row] = 0;
      c.reportedCostUsd[row] = Number.NaN;
    }
  }

  isLive(row: number): boolean {
    return ((this.columns.flags[row] as number) & FLAG_DEAD) === 0;
  }

  private grow(capacity: number): void {
    // Typed arrays are zeroed on demand by the system: room not yet used costs no memory.
    const next = allocateColumns(capacity);
    for (const name of FLOAT_COLUMNS) next[name].set(this.columns[name].subarray(0, this.count));
    for (const name of U32_COLUMNS) next[name].set(this.columns[name].subarray(0, this.count));
    this.columns = next;
  }

  /**
   * Drops dead rows, puts the rest in time order and builds the key table; returns the
   * old→new row map (-1 = dropped) so that the caller can renumber what refers to rows.
   */
  compact(): Int32Array {
    this.mustBeComplete();
    // Live rows in time order (ties in row order): readers that want only recent rows
    // (the status line) binary-search the saved timestamp column and read its tail.
    let live = 0;
    for (let row = 0; row < this.count; row++) if (this.isLive(row)) live++;
    const byTime = rowsByTime(this.columns.timestampMs, this.count, live, (row) => this.isLive(row));
    const map = new Int32Array(this.count).fill(-1);
    for (let at = 0; at < live; at++) map[byTime[at] as number] = at;
    const next = allocateColumns(live);
    for (const name of FLOAT_COLUMNS) permuteFloat(this.columns[name], next[name], byTime);
    for (const name of U32_COLUMNS) permuteU32(this.columns[name], next[name], byTime);
    // A first build (nothing saved, no row dropped) has every key in the table it filled while
    // counting: renumbered in place, it is the saved one (on 90,000 rows compacting took 58 ms
    // building another, 52 ms this way, ~400 fresh pages fewer). Otherwise one table of all rows.
    this.saved =
      this.saved.empty && live === this.count && this.recent.keys === keyedRows(this.columns.keyHash, this.count)
        ? this.recent.renumber(map)
        : KeyTable.of(next.keyHash, live);
    this.columns = next;
    this.count = live;
    this.recent = new KeyTable();
    this.marks = new Uint32Array(0);
    return map;
  }

  get keyIndex(): { slots: Float64Array; rows: Uint32Array } {
    return { slots: this.saved.slots, rows: this.saved.rows };
  }
}

/**
 * The rows for which `keep` holds, ordered by time, ties by row. When the span of times
 * times the number of rows fits in 2^53, each row becomes one exact double
 * (time offset × rows + row) and a native typed-array sort does the work (no comparator:
 * ~10× faster on 100,000 rows); otherwise a comparator sort.
 */
export function rowsByTime(ts: Float64Array, count: number, live: number, keep: (row: number) => boolean): Uint32Array {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let row = 0; row < count; row++) {
    const t = ts[row] as number;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const out = new Uint32Array(live);
  if (
    live > 0 &&
    (max - min + 1) * count <= Number.MAX_SAFE_INTEGER &&
    Number.isInteger(min) &&
    Number.isInteger(max)
  ) {
    const keys = new Float64Array(live);
    let at = 0;
    for (let row = 0; row < count; row++) {
      const t = ts[row] as number;
      if (keep(row) && Number.isInteger(t)) keys[at++] = (t - min) * count + row;
    }
    if (at === live) {
      keys.sort();
      for (let i = 0; i < live; i++) out[i] = (keys[i] as number) % count;
      return out;
    }
  }
  let at = 0;
  for (let row = 0; row < count; row++) if (keep(row)) out[at++] = row;
  out.sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
  return out;
}

export function allocateColumns(capacity: number): Record<FloatColumn, Float64Array> & Record<U32Column, Uint32Array> {
  const columns = {} as Record<FloatColumn, Float64Array> & Record<U32Column, Uint32Array>;
  for (const name of FLOAT_COLUMNS) columns[name] = new Float64Array(capacity);
  for (const name of U32_COLUMNS) columns[name] = new Uint32Array(capacity);
  return columns;
}

export const isFloatColumn = (name: string): name is FloatColumn => (FLOAT_COLUMNS as readonly string[]).includes(name);

function emptyInit() {
  return {
    count: 0,
    columns: allocateColumns(0),
    models: [],
    sessions: [],
    projects: [],
    keySlots: new Float64Array(0),
    keyRows: new Uint32Array(0),
  };
}

// One function per array type: a loop shared by both would be polymorphic and slow.
function permuteFloat(from: Float64Array, to: Float64Array, order: Uint32Array): void {
  for (let at = 0; at < order.length; at++) to[at] = from[order[at] as number] as number;
}

function permuteU32(from: Uint32Array, to: Uint32Array, order: Uint32Array): void {
  for (let at = 0; at < order.length; at++) to[at] = from[order[at] as number] as number;
}
