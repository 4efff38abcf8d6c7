import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TranscriptFile } from './find-transcripts.ts';
import { keyHashOfDirs } from './index-name.ts';
import {
  type PackedReadResult,
  type ReadBuffer,
  type ReadJob,
  type ReadResult,
  readAppended,
  unpackReadResult,
} from './read-appended.ts';
import type { ScanResult, SkippedLine } from './scan-usage-lines.ts';
import {
  allocateColumns,
  COLUMN_NAMES,
  type FloatColumn,
  isFloatColumn,
  type U32Column,
  UsageTable,
} from './usage-table.ts';

/**
 * The transcript index in TAKT_HOME: per file what was read (identity, size, byte offset,
 * the responses it holds) and every response counted once. A run re-reads only bytes
 * appended since; a file that shrank, was replaced (new inode) or rewritten in place is
 * read again from its start, and a deleted file's responses leave the totals unless
 * another file (a resumed session's copy) still holds them.
 *
 * On disk: "TAKTIDX" + version byte, the lengths of the two text sections, a JSON header
 * (string tables, column layout), the files as JSON lines (one per file, so that the status
 * line can pick out its own session's without parsing the others), then the columns as raw
 * little-endian typed arrays — loading is one read and no parsing of rows, which is what
 * lets the status line start in milliseconds.
 */

const MAGIC = 'TAKTIDX';
/** Bump when the format or the counting rules change: an older index is rebuilt. */
const VERSION = 7;
/** Skipped lines remembered per file for --debug (all are counted). */
const SKIPPED_KEPT = 20;

export interface FileState {
  path: string;
  project: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  /** Bytes read: always the end of a complete line. */
  offset: number;
  /** Rows of the responses this file holds (a view into the loaded index until the file changes). */
  rows: number[] | Uint32Array;
  skipped: SkippedLine[];
  skippedCount: number;
  synthetic: number;
  /** The last bytes before `offset` (latin1): an append leaves them in place, a rewrite does not. */
  tail: string;
}

export interface TranscriptIndex {
  file: string;
  table: UsageTable;
  files: Map<string, FileState>;
  /** Loaded with only some files' states (the status line): may be updated, never saved. */
  partial?: boolean;
}

export interface UpdateSummary {
  filesRead: number;
  filesRemoved: number;
  bytesRead: number;
  changed: boolean;
}

export const indexFileFor = (home: string, projectDirs: readonly string[]) =>
  join(home, `transcripts-${keyHashOfDirs(projectDirs)}.idx`);

/** The saved index, or an empty one when there is none or it cannot be used (it is rebuilt). */
export function loadTranscriptIndex(file: string): TranscriptIndex {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return { file, table: new UsageTable(), files: new Map() };
  }
  try {
    return decodeIndex(file, buf);
  } catch {
    return { file, table: new UsageTable(), files: new Map() };
  }
}

interface Header {
  count: number;
  models: string[];
  sessions: string[];
  projects: string[];
  columns: Array<[string, number, number]>;
}

/** One line of the files section. */
type FileEntry = [
  string,
  string,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  SkippedLine[],
  number,
  string,
];

const PREAMBLE = 16; // magic (7) + version (1) + header length (4) + files length (4)

function decodeIndex(file: string, raw: Buffer): TranscriptIndex {
  if (raw.toString('latin1', 0, MAGIC.length) !== MAGIC || raw[MAGIC.length] !== VERSION)
    throw new Error('not an index');
  const headerLength = raw.readUInt32LE(8);
  const filesLength = raw.readUInt32LE(12);
  const header = JSON.parse(raw.toString('utf8', PREAMBLE, PREAMBLE + headerLength)) as Header;
  const filesStart = PREAMBLE + headerLength;
  // Typed-array views need aligned offsets; a Buffer from the pool may not start at 0.
  const buf = raw.byteOffset % 8 === 0 ? raw : Buffer.from(raw);
  const dataStart = align8(filesStart + filesLength);
  const view = (type: 'f64' | 'u32', offset: number, length: number) =>
    type === 'f64'
      ? new Float64Array(buf.buffer, buf.byteOffset + dataStart + offset, length)
      : new Uint32Array(buf.buffer, buf.byteOffset + dataStart + offset, length);
  const columns = allocateColumns(0);
  let fileRows: Uint32Array = new Uint32Array(0);
  let sortedHashes: Float64Array = new Float64Array(0);
  let sortedRows: Uint32Array = new Uint32Array(0);
  for (const [name, offset, length] of header.columns) {
    if (name === 'fileRows') fileRows = view('u32', offset, length) as Uint32Array;
    else if (name === 'sortedHashes') sortedHashes = view('f64', offset, length) as Float64Array;
    else if (name === 'sortedRows') sortedRows = view('u32', offset, length) as Uint32Array;
    else if (isFloatColumn(name)) columns[name] = view('f64', offset, length) as Float64Array;
    else columns[name as U32Column] = view('u32', offset, length) as Uint32Array;
  }
  const table = new UsageTable({
    count: header.count,
    columns,
    models: header.models,
    sessions: header.sessions,
    projects: header.projects,
    sortedHashes,
    sortedRows,
  });
  const files = fileStates(raw, filesStart, filesStart + filesLength, undefined, (start, count) =>
    fileRows.subarray(start, start + count),
  );
  return { file, table, files };
}

/** The file states of the files section, or only those of `onlyFiles` (found by their bytes). */
function fileStates(
  raw: Buffer,
  start: number,
  end: number,
  onlyFiles: readonly string[] | undefined,
  rowsOf: (start: number, count: number) => Uint32Array,
): Map<string, FileState> {
  const files = new Map<string, FileState>();
  const add = (entry: FileEntry) => {
    const [path, project, dev, ino, size, mtimeMs, offset, rowStart, rowCount, skippedCount, skipped, synthetic, tail] =
      entry;
    files.set(path, {
      path,
      project,
      dev,
      ino,
      size,
      mtimeMs,
      offset,
      rows: rowsOf(rowStart, rowCount),
      skipped,
      skippedCount,
      synthetic,
      tail,
    });
  };
  if (onlyFiles === undefined) {
    const text = raw.toString('utf8', start, end);
    for (const line of text.split('\n')) if (line !== '') add(JSON.parse(line) as FileEntry);
    return files;
  }
  // Every line starts with "\n" + the JSON of [path, …: find the wanted ones by bytes.
  for (const path of onlyFiles) {
    const at = raw.indexOf(`\n[${JSON.stringify(path)},`, start);
    if (at === -1 || at >= end) continue;
    const lineEnd = raw.indexOf(10, at + 1);
    add(JSON.parse(raw.toString('utf8', at + 1, lineEnd === -1 || lineEnd > end ? end : lineEnd)) as FileEntry);
  }
  return files;
}

/**
 * Only the responses at or after `sinceMs` and only the states of `onlyFiles`, for the
 * status line: saved rows are in time order, so a binary search of the timestamp column
 * finds where they start, and only the tail of each column is read — a few hundred
 * kilobytes instead of the whole index. The result is partial (never saved); its file
 * states hold no rows. No index, or an unusable one (another version): undefined.
 */
/** The columns the status line reads; project, owners and costUSD stay zero in a recent index. */
const RECENT_COLUMNS: ReadonlySet<string> = new Set<string>(
  COLUMN_NAMES.filter((n) => n !== 'project' && n !== 'owners' && n !== 'reportedCostUsd'),
);

export function loadRecentTranscriptIndex(
  file: string,
  onlyFiles: readonly string[],
  sinceMs: number,
): TranscriptIndex | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const read = (position: number, length: number, into?: ArrayBufferView) => {
      const target = into ?? Buffer.allocUnsafe(length);
      if (readFully(fd, target, length, position) < length) throw new Error('index cut short');
      return target;
    };
    const preamble = read(0, PREAMBLE) as Buffer;
    if (preamble.toString('latin1', 0, MAGIC.length) !== MAGIC || preamble[MAGIC.length] !== VERSION)
      throw new Error('not an index');
    const headerLength = preamble.readUInt32LE(8);
    const filesLength = preamble.readUInt32LE(12);
    const text = read(PREAMBLE, headerLength + filesLength) as Buffer;
    const header = JSON.parse(text.toString('utf8', 0, headerLength)) as Header;
    const dataStart = align8(PREAMBLE + headerLength + filesLength);
    const layout = new Map(header.columns.map(([name, offset]) => [name, offset]));
    // Binary search of the saved timestamps, reading one at a time: ~17 reads of 8 bytes.
    const timestampsAt = dataStart + (layout.get('timestampMs') as number);
    const one = new Float64Array(1);
    let first = 0;
    let last = header.count;
    while (first < last) {
      const mid = (first + last) >>> 1;
      read(timestampsAt + mid * 8, 8, one);
      if ((one[0] as number) < sinceMs) first = mid + 1;
      else last = mid;
    }
    const count = header.count - first;
    const columns = allocateColumns(count);
    for (const name of COLUMN_NAMES) {
      if (!RECENT_COLUMNS.has(name)) continue; // left zero: not used by readers of recent rows
      const column = columns[name as FloatColumn] as Float64Array | Uint32Array;
      const size = column.BYTES_PER_ELEMENT;
      if (count > 0) read(dataStart + (layout.get(name) as number) + first * size, count * size, column);
    }
    const table = new UsageTable({
      count,
      columns,
      models: header.models,
      sessions: header.sessions,
      projects: header.projects,
      sortedHashes: new Float64Array(0),
      sortedRows: new Uint32Array(0),
    });
    table.rememberKeys(); // a few thousand keys: a Map, not a sorted index
    const files = fileStates(text, headerLength, headerLength + filesLength, onlyFiles, () => new Uint32Array(0));
    return { file, table, files, partial: true };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes the index atomically (temporary file, then rename): readers never see half of one. */
export function saveTranscriptIndex(index: TranscriptIndex): void {
  if (index.partial) throw new Error('a partially loaded transcript index cannot be saved');
  const renumber = index.table.compact();
  const table = index.table;
  const fileList = [...index.files.values()];
  let fileRowCount = 0;
  for (const f of fileList) {
    const rows: number[] = [];
    for (const row of f.rows) {
      const to = renumber[row] as number;
      if (to !== -1) rows.push(to);
    }
    f.rows = rows;
    fileRowCount += rows.length;
  }
  const fileRows = new Uint32Array(fileRowCount);
  const files: string[] = [];
  let at = 0;
  for (const f of fileList) {
    fileRows.set(f.rows, at);
    const entry: FileEntry = [
      f.path,
      f.project,
      f.dev,
      f.ino,
      f.size,
      f.mtimeMs,
      f.offset,
      at,
      f.rows.length,
      f.skippedCount,
      f.skipped,
      f.synthetic,
      f.tail,
    ];
    files.push(`\n${JSON.stringify(entry)}`);
    at += f.rows.length;
  }
  const { hashes, rows } = table.sortedIndex;
  const blocks: Array<[string, Float64Array | Uint32Array]> = [
    ...COLUMN_NAMES.map(
      (name) =>
        [name, isFloatColumn(name) ? table.columns[name as FloatColumn] : table.columns[name as U32Column]] as [
          string,
          Float64Array | Uint32Array,
        ],
    ),
    ['fileRows', fileRows],
    ['sortedHashes', hashes],
    ['sortedRows', rows],
  ];
  const columns: Header['columns'] = [];
  let dataLength = 0;
  for (const [name, array] of blocks) {
    columns.push([name, dataLength, array.length]);
    dataLength += align8(array.byteLength);
  }
  const header: Header = {
    count: table.count,
    models: table.models.values,
    sessions: table.sessions.values,
    projects: table.projects.values,
    columns,
  };
  const headerJson = Buffer.from(JSON.stringify(header), 'utf8');
  const filesText = Buffer.from(files.join(''), 'utf8');
  const dataStart = align8(PREAMBLE + headerJson.length + filesText.length);
  const out = Buffer.alloc(dataStart + dataLength);
  out.write(MAGIC, 0, 'latin1');
  out[MAGIC.length] = VERSION;
  out.writeUInt32LE(headerJson.length, 8);
  out.writeUInt32LE(filesText.length, 12);
  headerJson.copy(out, PREAMBLE);
  filesText.copy(out, PREAMBLE + headerJson.length);
  for (let i = 0; i < blocks.length; i++) {
    const array = (blocks[i] as [string, Float64Array | Uint32Array])[1];
    const offset = dataStart + (columns[i] as [string, number, number])[1];
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(out, offset);
  }
  mkdirSync(dirname(index.file), { recursive: true });
  const temporary = `${index.file}.${process.pid}.tmp`;
  writeFileSync(temporary, out);
  renameSync(temporary, index.file);
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

export interface UpdateOptions {
  /** `found` is only some of the files (the status line's own session): forget no others. */
  partial?: boolean;
  /** Called now and then while bytes are read (the first build of a large history). */
  onProgress?: (readBytes: number, totalBytes: number, files: number) => void;
}

interface Work {
  state: FileState;
  job: ReadJob;
}

/** Brings the index up to date with the files found now, reading on this thread. */
export function updateTranscriptIndex(
  index: TranscriptIndex,
  found: readonly TranscriptFile[],
  options: UpdateOptions = {},
): UpdateSummary {
  const { summary, work, totalBytes } = planUpdate(index, found, options);
  readHere(index, work, summary, totalBytes, options);
  return summary;
}

function readHere(
  index: TranscriptIndex,
  work: readonly Work[],
  summary: UpdateSummary,
  totalBytes: number,
  options: UpdateOptions,
): void {
  const into: ReadBuffer = { buffer: Buffer.allocUnsafe(0) };
  const progress = progressReporter(summary, totalBytes, options);
  for (const w of work) {
    applyRead(index, w.state, readAppended(w.job, into), summary);
    progress();
  }
}

/** Below this many bytes to read, a worker thread costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 << 20;

/**
 * updateTranscriptIndex for a large amount of new bytes (the first build): this thread and a
 * worker thread each read and scan half of the bytes; results are counted in file order, so
 * the index is the same as a sequential run's. TAKT_INDEX_THREADS=1 turns the worker off.
 */
export async function updateTranscriptIndexParallel(
  index: TranscriptIndex,
  found: readonly TranscriptFile[],
  options: UpdateOptions = {},
): Promise<UpdateSummary> {
  const { summary, work, totalBytes } = planUpdate(index, found, options);
  const threads = Number(process.env.TAKT_INDEX_THREADS ?? 2);
  // Beside this module (the build puts one beside the bundles in dist/ too); run from the
  // TypeScript sources (tests) there is none, and one thread reads.
  const workerFile = import.meta.url.endsWith('.ts') ? undefined : new URL('./scan-worker.js', import.meta.url);
  if (totalBytes < PARALLEL_MIN_BYTES || threads < 2 || workerFile === undefined) {
    readHere(index, work, summary, totalBytes, options);
    return summary;
  }
  // Split by bytes: the worker takes every file that keeps its share at or below half.
  const mine: number[] = [];
  const theirs: number[] = [];
  let mineBytes = 0;
  let theirBytes = 0;
  work.forEach((w, i) => {
    const bytes = w.job.size - w.job.offset;
    if (theirBytes <= mineBytes) {
      theirs.push(i);
      theirBytes += bytes;
    } else {
      mine.push(i);
      mineBytes += bytes;
    }
  });
  // Results are counted in file order as soon as they are all there up to a point: counting
  // overlaps the worker's reading, and memory holds only results not yet counted.
  const results: Array<ReadResult | undefined> = new Array(work.length);
  let next = 0;
  const drain = () => {
    while (next < work.length && results[next] !== undefined) {
      applyRead(index, (work[next] as Work).state, results[next] as ReadResult, summary);
      results[next] = undefined;
      next++;
    }
  };
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(workerFile, {
    workerData: { jobs: theirs.map((i) => (work[i] as Work).job) },
    // A smaller young generation: ~8 MB less peak memory, no measurable loss of speed.
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  let received = 0;
  let readBytes = 0;
  let reported = 0;
  const report = () => {
    if (options.onProgress && readBytes - reported > 32 << 20) {
      reported = readBytes;
      options.onProgress(readBytes, totalBytes, summary.filesRead);
    }
  };
  const workerDone = new Promise<void>((resolve, reject) => {
    if (theirs.length === 0) resolve();
    worker.on('message', (packed: PackedReadResult) => {
      results[theirs[received] as number] = unpackReadResult(packed);
      received++;
      readBytes += packed.got;
      if (received === theirs.length) resolve();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (received < theirs.length) reject(new Error(`transcript reader thread stopped (exit code ${code})`));
    });
  });
  const into: ReadBuffer = { buffer: Buffer.allocUnsafe(0) };
  let sinceYield = 0;
  for (const i of mine) {
    const r = readAppended((work[i] as Work).job, into);
    results[i] = r;
    readBytes += r.got;
    sinceYield += r.got;
    drain();
    if (sinceYield > 8 << 20) {
      sinceYield = 0;
      report();
      await new Promise((resolve) => setImmediate(resolve)); // let the worker's results in
      drain();
    }
  }
  try {
    await workerDone;
  } catch {
    // The worker failed: read what it did not send here instead.
    for (const i of theirs) if (i >= next) results[i] ??= readAppended((work[i] as Work).job, into);
  } finally {
    await worker.terminate();
  }
  drain();
  report();
  return summary;
}

const NO_THROW = { throwIfNoEntry: false } as const;

/** Stats every file found: what changed, what must be read, and what is gone. */
function planUpdate(
  index: TranscriptIndex,
  found: readonly TranscriptFile[],
  options: UpdateOptions,
): { summary: UpdateSummary; work: Work[]; totalBytes: number } {
  const summary: UpdateSummary = { filesRead: 0, filesRemoved: 0, bytesRead: 0, changed: false };
  const work: Work[] = [];
  const present = new Set<string>();
  let totalBytes = 0;
  for (const file of found) {
    const st = statSync(file.path, NO_THROW);
    if (st === undefined) continue; // deleted between listing and stat
    present.add(file.path);
    let state = index.files.get(file.path);
    if (state !== undefined && state.dev === st.dev && state.ino === st.ino && state.size === st.size) {
      if (state.mtimeMs === st.mtimeMs) continue; // unchanged: the common case, nothing read
    }
    const rewritten =
      state !== undefined &&
      (state.dev !== st.dev ||
        state.ino !== st.ino ||
        st.size < state.offset ||
        (st.size === state.size && state.mtimeMs !== st.mtimeMs) ||
        !tailIsIntact(file.path, state));
    if (state !== undefined && rewritten) {
      releaseFile(index, state);
      state = undefined;
    }
    if (state === undefined) {
      state = emptyState(file, st);
      index.files.set(file.path, state);
    }
    state.dev = st.dev;
    state.ino = st.ino;
    state.mtimeMs = st.mtimeMs;
    state.size = st.size;
    summary.changed = true;
    if (st.size > state.offset) {
      work.push({ state, job: { path: file.path, offset: state.offset, size: st.size } });
      totalBytes += st.size - state.offset;
    }
  }
  for (const [path, state] of options.partial ? [] : index.files) {
    if (present.has(path)) continue;
    releaseFile(index, state);
    index.files.delete(path);
    summary.filesRemoved++;
    summary.changed = true;
  }
  return { summary, work, totalBytes };
}

/**
 * Whether the bytes just before the offset read so far are still those read: a file that
 * grew by an append keeps them; one rewritten in place to a larger size (same inode) does
 * not, and is read again from its start. One small read, only for files that changed.
 */
function tailIsIntact(path: string, state: FileState): boolean {
  if (state.tail === '' || state.offset < state.tail.length) return true;
  const bytes = Buffer.alloc(state.tail.length);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    readFully(fd, bytes, bytes.length, state.offset - bytes.length);
  } finally {
    closeSync(fd);
  }
  return bytes.toString('latin1') === state.tail;
}

/** Reads `length` bytes at `position` into a view, fewer only at the end of the file; returns the count. */
function readFully(fd: number, into: ArrayBufferView, length: number, position: number): number {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, bytes, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

function applyRead(index: TranscriptIndex, state: FileState, r: ReadResult, summary: UpdateSummary): void {
  if (r.complete > 0) {
    countLines(index, state, r.scan);
    state.offset += r.complete;
    state.tail = r.tail;
  }
  summary.filesRead++;
  summary.bytesRead += r.got;
}

function progressReporter(summary: UpdateSummary, totalBytes: number, options: UpdateOptions): () => void {
  let last = 0;
  return () => {
    if (options.onProgress && summary.bytesRead - last > 32 << 20) {
      last = summary.bytesRead;
      options.onProgress(summary.bytesRead, totalBytes, summary.filesRead);
    }
  };
}

function countLines(index: TranscriptIndex, state: FileState, scan: ScanResult): void {
  if (scan.lines.length > 0) {
    // The loaded rows are a view into the index file: a file that gets new rows gets an array.
    const rows = Array.isArray(state.rows) ? state.rows : Array.from(state.rows);
    state.rows = rows;
    const mine = new Set(rows);
    for (const line of scan.lines) {
      const { row } = index.table.addLine(line, state.project);
      if (mine.has(row)) continue;
      mine.add(row);
      rows.push(row);
      index.table.columns.owners[row] = (index.table.columns.owners[row] as number) + 1;
    }
  }
  state.skippedCount += scan.skipped.length;
  for (const s of scan.skipped) if (state.skipped.length < SKIPPED_KEPT) state.skipped.push(s);
  state.synthetic += scan.synthetic;
}

function releaseFile(index: TranscriptIndex, state: FileState): void {
  for (const row of state.rows) index.table.release(row);
  state.rows = [];
}

function emptyState(file: TranscriptFile, st: import('node:fs').Stats): FileState {
  return {
    path: file.path,
    project: file.project,
    dev: st.dev,
    ino: st.ino,
    size: 0,
    mtimeMs: st.mtimeMs,
    offset: 0,
    rows: [],
    skipped: [],
    skippedCount: 0,
    synthetic: 0,
    tail: '',
  };
}
