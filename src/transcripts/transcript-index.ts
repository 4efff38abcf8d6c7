import { closeSync, mkdirSync, openSync, readSync, renameSync, type Stats, statSync, writevSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FILE_FIELDS, type FileState, FileStates, fileColumns, TAIL_SLOT } from './file-states.ts';
import type { DirListing, TranscriptFile } from './find-transcripts.ts';
import { keyHashOfDirs } from './index-name.ts';
import { keyHash } from './key-hash.ts';
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
  internString,
  isFloatColumn,
  type U32Column,
  UPDATE_COLUMNS,
  UsageTable,
} from './usage-table.ts';

export type { FileState } from './file-states.ts';

/**
 * The transcript index in TAKT_HOME: per file what was read (identity, size, byte offset,
 * the responses it holds) and every response counted once. A run re-reads only bytes
 * appended since; a file that shrank, was replaced (new inode) or rewritten in place is
 * read again from its start, and a deleted file's responses leave the totals unless
 * another file (a resumed session's copy) still holds them.
 *
 * On disk: "TAKTIDX" + version byte, the lengths of the two text sections, a JSON header
 * (string tables, column layout, skipped lines), the file paths as a JSON array (one per
 * line: the status line reads only its own files' lines, found by the paths' hashes), then
 * raw little-endian typed arrays: first what a report reads (the response columns
 * it sums, each file's numbers and tail), then what only an update needs (keys, owners,
 * row lists, the key table). A warm run that finds nothing changed reads the first
 * part only and parses no row and no file: the second part is read when something changed.
 */

const MAGIC = 'TAKTIDX';
/** Bump when the format or the counting rules change: an older index is rebuilt. */
const VERSION = 8;
/** Skipped lines remembered per file for --debug (all are counted). */
const SKIPPED_KEPT = 20;

export interface TranscriptIndex {
  file: string;
  table: UsageTable;
  files: FileStates;
  /** Loaded with only some files' states (the status line): may be updated, never saved. */
  partial?: boolean;
  /** Reads what only an update needs, when the index was loaded without it. */
  complete?: () => void;
  /** The directories as listed when the index was saved (saved again with it). */
  listings: DirListing[];
}

/** The index file was replaced (by another takt run) between loading it and completing it. */
export class IndexReplacedError extends Error {}

export interface UpdateSummary {
  filesRead: number;
  filesRemoved: number;
  bytesRead: number;
  changed: boolean;
}

export const indexFileFor = (home: string, projectDirs: readonly string[]) =>
  join(home, `transcripts-${keyHashOfDirs(projectDirs)}.idx`);

const emptyIndex = (file: string): TranscriptIndex => ({
  file,
  table: new UsageTable(),
  files: new FileStates(),
  listings: [],
});

interface Header {
  /** Tells this save from another: completing a lazily loaded index checks it. */
  stamp: string;
  count: number;
  files: number;
  models: string[];
  sessions: string[];
  projects: string[];
  skipped: Array<[number, SkippedLine[]]>;
  /** name, byte offset from the start of the data, element count. */
  columns: Array<[string, number, number]>;
  /** Bytes of data a report reads: the columns before this offset. */
  readFirst: number;
  /** Bytes of data in all. */
  dataLength: number;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;
const utf8 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');

const PREAMBLE = 16; // magic (7) + version (1) + header length (4) + paths length (4)
/** A directory listing as saved (JSON text in the block `dirListings`). */
type SavedListing = [string, number, number, number, number, string[], string[]];

/** An open index file: its header and positional reads. */
class IndexReader {
  readonly header: Header;
  readonly headerLength: number;
  readonly pathsLength: number;
  readonly dataStart: number;
  readonly layout: Map<string, [number, number]>;

  constructor(readonly fd: number) {
    const preamble = this.read(0, PREAMBLE);
    if (preamble.toString('latin1', 0, MAGIC.length) !== MAGIC || preamble[MAGIC.length] !== VERSION)
      throw new Error('not an index');
    this.headerLength = preamble.readUInt32LE(8);
    this.pathsLength = preamble.readUInt32LE(12);
    this.header = JSON.parse(this.read(PREAMBLE, this.headerLength).toString('utf8')) as Header;
    this.dataStart = align8(PREAMBLE + this.headerLength + this.pathsLength);
    this.layout = new Map(this.header.columns.map(([name, offset, length]) => [name, [offset, length]]));
  }

  /** The whole paths section (the status line reads only its own files' lines: pathBytes). */
  readPaths(): Buffer {
    return this.read(PREAMBLE + this.headerLength, this.pathsLength);
  }

  /** Bytes [from, to) of the paths section. */
  pathBytes(from: number, to: number): Buffer {
    return this.read(PREAMBLE + this.headerLength + from, to - from);
  }

  /** `length` bytes at `position`, into a new buffer or `into`; throws when the file is shorter. */
  read(position: number, length: number, into?: ArrayBufferView): Buffer {
    const target = into ?? Buffer.allocUnsafe(length);
    if (readFully(this.fd, target, length, position) < length) throw new Error('index cut short');
    return Buffer.from(target.buffer, target.byteOffset, length);
  }

  /** Data bytes [from, to) as one aligned buffer, and a view maker over it. */
  readData(
    from: number,
    to: number,
  ): <T extends Float64Array | Uint32Array | Uint8Array>(
    name: string,
    type: new (b: ArrayBuffer, o: number, l: number) => T,
  ) => T {
    const bytes = new Uint8Array(to - from); // its own ArrayBuffer: aligned for every view
    if (to > from) this.read(this.dataStart + from, to - from, bytes);
    return (name, type) => {
      const [offset, length] = this.layout.get(name) ?? [from, 0];
      return new type(bytes.buffer, offset - from, length);
    };
  }
}

/** `use` of the file opened for reading (closed after), or undefined when it cannot be opened. */
function withFile<T>(file: string, use: (fd: number) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

const openIndex = <T>(file: string, use: (reader: IndexReader) => T): T | undefined =>
  withFile(file, (fd) => use(new IndexReader(fd)));

type ColumnArrays = Record<FloatColumn, Float64Array> & Record<U32Column, Uint32Array>;

/**
 * The saved index, or an empty one when there is none or it cannot be used (it is rebuilt).
 * By default only what a report reads is loaded; the rest is read by `complete` when an
 * update needs it. `whole`: read everything now.
 */
export function loadTranscriptIndex(file: string, options: { whole?: boolean } = {}): TranscriptIndex {
  try {
    return openIndex(file, (reader) => decodeIndex(file, reader, options.whole === true)) ?? emptyIndex(file);
  } catch {
    return emptyIndex(file);
  }
}

function decodeIndex(file: string, reader: IndexReader, whole: boolean): TranscriptIndex {
  const { header } = reader;
  const lastByte = header.dataLength;
  const view = reader.readData(0, whole ? lastByte : header.readFirst);
  const columns = allocateColumns(0) as ColumnArrays;
  for (const name of COLUMN_NAMES) {
    if (!whole && UPDATE_COLUMNS.has(name)) continue;
    if (isFloatColumn(name)) columns[name] = view(name, Float64Array);
    else columns[name as U32Column] = view(name, Uint32Array);
  }
  const table = new UsageTable({
    count: header.count,
    columns,
    models: header.models,
    sessions: header.sessions,
    projects: header.projects,
    keySlots: whole ? view('keySlots', Float64Array) : new Float64Array(0),
    keyRows: whole ? view('keyRows', Uint32Array) : new Uint32Array(0),
    incomplete: !whole,
  });
  let fileRows: Uint32Array | undefined = whole ? view('fileRows', Uint32Array) : undefined;
  // Indexing, not destructuring: this runs once per directory before V8 optimizes anything,
  // and array destructuring in unoptimized code walks an iterator (7 ms for 700 entries).
  const listings = (JSON.parse(utf8(view('dirListings', Uint8Array)) || '[]') as SavedListing[]).map((l) => ({
    path: l[0],
    dev: l[1],
    ino: l[2],
    mtimeMs: l[3],
    listedAt: l[4],
    dirs: l[5],
    files: l[6],
  }));
  const files = new FileStates(
    {
      paths: JSON.parse(reader.readPaths().toString('utf8')) as string[],
      projects: header.projects,
      numbers: view('fileNumbers', Float64Array),
      tails: view('fileTails', Uint8Array),
      skipped: new Map(header.skipped),
    },
    (start, count) => {
      index.complete?.();
      return (fileRows as Uint32Array).subarray(start, start + count);
    },
  );
  const index: TranscriptIndex = { file, table, files, listings };
  if (!whole) {
    index.complete = () => {
      index.complete = undefined;
      let rest: ReturnType<IndexReader['readData']> | undefined;
      try {
        rest = openIndex(file, (again) =>
          again.header.stamp === header.stamp ? again.readData(header.readFirst, lastByte) : undefined,
        );
      } catch {
        rest = undefined; // cut short or unreadable now: as good as replaced
      }
      if (rest === undefined) throw new IndexReplacedError(`${file} was replaced while it was read`);
      table.complete(
        {
          reportedCostUsd: rest('reportedCostUsd', Float64Array),
          keyHash: rest('keyHash', Float64Array),
          owners: rest('owners', Uint32Array),
        },
        rest('keySlots', Float64Array),
        rest('keyRows', Uint32Array),
      );
      fileRows = rest('fileRows', Uint32Array);
    };
  }
  return index;
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
  try {
    return openIndex(file, (reader) => {
      const { header, layout } = reader;
      const at = (name: string) => reader.dataStart + ((layout.get(name) as [number, number])[0] as number);
      // Binary search of the saved timestamps, reading one at a time: ~17 reads of 8 bytes.
      const timestampsAt = at('timestampMs');
      const one = new Float64Array(1);
      let first = 0;
      let last = header.count;
      while (first < last) {
        const mid = (first + last) >>> 1;
        reader.read(timestampsAt + mid * 8, 8, one);
        if ((one[0] as number) < sinceMs) first = mid + 1;
        else last = mid;
      }
      const count = header.count - first;
      const columns = allocateColumns(count);
      for (const name of COLUMN_NAMES) {
        if (!RECENT_COLUMNS.has(name)) continue; // left zero: not used by readers of recent rows
        const column = columns[name as FloatColumn] as Float64Array | Uint32Array;
        const size = column.BYTES_PER_ELEMENT;
        if (count > 0) reader.read(at(name) + first * size, count * size, column);
      }
      const table = new UsageTable({
        count,
        columns,
        models: header.models,
        sessions: header.sessions,
        projects: header.projects,
        keySlots: new Float64Array(0),
        keyRows: new Uint32Array(0),
      });
      table.rememberKeys(); // a few thousand keys, looked up only if a line was appended
      // The wanted files' numbers: their places in the path list (by the paths' hashes, each
      // checked against the path itself), then one small read each.
      const wanted = filePlaces(reader, onlyFiles);
      const numbers = new Float64Array(header.files * FILE_FIELDS);
      const tails = new Uint8Array(header.files * TAIL_SLOT);
      for (const place of wanted.values()) {
        reader.read(
          at('fileNumbers') + place * FILE_FIELDS * 8,
          FILE_FIELDS * 8,
          numbers.subarray(place * FILE_FIELDS),
        );
        reader.read(at('fileTails') + place * TAIL_SLOT, TAIL_SLOT, tails.subarray(place * TAIL_SLOT));
      }
      // States of the wanted files only, with no rows (a partial index is never saved).
      const files = new FileStates(
        { paths: [], projects: header.projects, numbers, tails, skipped: new Map(header.skipped) },
        () => new Uint32Array(0),
      );
      for (const [path, place] of wanted) files.stateAt(path, place);
      return { file, table, files, partial: true, listings: [] };
    });
  } catch {
    return undefined;
  }
}

/** Where each of `paths` is in the saved path list: found by hash, confirmed by its bytes. */
function filePlaces(reader: IndexReader, paths: readonly string[]): Map<string, number> {
  const places = new Map<string, number>();
  if (paths.length === 0) return places;
  const [hashesAt, files] = reader.layout.get('pathHashes') ?? [0, 0];
  const [offsetsAt] = reader.layout.get('pathOffsets') ?? [0, 0];
  const hashes = new Float64Array(files);
  reader.read(reader.dataStart + hashesAt, files * 8, hashes);
  const offsets = new Uint32Array(2);
  for (const path of paths) {
    const hash = keyHash(path);
    for (let place = hashes.indexOf(hash); place !== -1; place = hashes.indexOf(hash, place + 1)) {
      reader.read(reader.dataStart + offsetsAt + place * 4, 8, offsets); // this line's start and the next's
      const line = reader.pathBytes(offsets[0] as number, offsets[1] as number).toString('utf8');
      if (line.startsWith(JSON.stringify(path))) {
        places.set(path, place);
        break;
      }
    }
  }
  return places;
}

/** 16 random hex digits: the same length in every save. */
const newStamp = () =>
  [0, 0]
    .map(() =>
      Math.floor(Math.random() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    )
    .join('');

/** Writes the index atomically (temporary file, then rename): readers never see half of one. */
export function saveTranscriptIndex(index: TranscriptIndex): void {
  if (index.partial) throw new Error('a partially loaded transcript index cannot be saved');
  index.complete?.();
  const renumber = index.table.compact();
  const table = index.table;
  const states = index.files.values();
  let fileRowCount = 0;
  for (const f of states) {
    const rows: number[] = [];
    for (const row of f.rows) {
      const to = renumber[row] as number;
      if (to !== -1) rows.push(to);
    }
    f.rows = rows;
    fileRowCount += rows.length;
  }
  const fileRows = new Uint32Array(fileRowCount);
  const starts: number[] = [];
  let at = 0;
  for (const f of states) {
    starts.push(at);
    fileRows.set(f.rows, at);
    at += f.rows.length;
  }
  const files = fileColumns(
    states,
    (project) => internString(table.projects, project),
    (i) => starts[i] as number,
  );
  const { slots, rows } = table.keyIndex;
  // The paths section is "[\n" + one JSON string per line: each line's start (and the end of
  // the last), and each path's hash, let the status line find its own files' lines.
  const pathLines = states.map((f) => JSON.stringify(f.path));
  const pathOffsets = new Uint32Array(states.length + 1);
  let offset = 2;
  pathLines.forEach((line, i) => {
    pathOffsets[i] = offset;
    offset += Buffer.byteLength(line) + 2; // ",\n" (or "\n]" after the last)
  });
  pathOffsets[states.length] = offset;
  const pathHashes = Float64Array.from(states, (f) => keyHash(f.path));
  const column = (name: string) =>
    isFloatColumn(name) ? table.columns[name as FloatColumn] : table.columns[name as U32Column];
  type Block = [string, ArrayBufferView & { length: number }];
  const columnsWhere = (update: boolean) =>
    COLUMN_NAMES.filter((name) => UPDATE_COLUMNS.has(name) === update).map((name): Block => [name, column(name)]);
  // First what a report reads, then what only an update needs.
  const first: Block[] = [
    ...columnsWhere(false),
    ['fileNumbers', files.numbers],
    ['fileTails', files.tails],
    [
      'dirListings',
      Buffer.from(
        JSON.stringify(
          index.listings.map((l): SavedListing => [l.path, l.dev, l.ino, l.mtimeMs, l.listedAt, l.dirs, l.files]),
        ),
        'utf8',
      ),
    ],
  ];
  const late: Block[] = [
    ...columnsWhere(true),
    ['fileRows', fileRows],
    ['keySlots', slots],
    ['keyRows', rows],
    ['pathHashes', pathHashes],
    ['pathOffsets', pathOffsets],
  ];
  const columns: Header['columns'] = [];
  let dataLength = 0;
  const place = (blocks: Block[]) => {
    for (const [name, array] of blocks) {
      columns.push([name, dataLength, array.length]);
      dataLength += align8(array.byteLength);
    }
  };
  place(first);
  const readFirst = dataLength;
  place(late);
  const header: Header = {
    stamp: newStamp(),
    count: table.count,
    files: states.length,
    models: table.models.values,
    sessions: table.sessions.values,
    projects: table.projects.values,
    skipped: files.skipped,
    columns,
    readFirst,
    dataLength,
  };
  const headerJson = Buffer.from(JSON.stringify(header), 'utf8');
  const pathsText = Buffer.from(`[\n${pathLines.join(',\n')}\n]`, 'utf8');
  const dataStart = align8(PREAMBLE + headerJson.length + pathsText.length);
  const preamble = Buffer.alloc(PREAMBLE);
  preamble.write(MAGIC, 0, 'latin1');
  preamble[MAGIC.length] = VERSION;
  preamble.writeUInt32LE(headerJson.length, 8);
  preamble.writeUInt32LE(pathsText.length, 12);
  // The pieces as they are, with zeros to align each block: no 10 MB copy of the whole.
  const pieces: Uint8Array[] = [preamble, headerJson, pathsText];
  let written = PREAMBLE + headerJson.length + pathsText.length;
  const pad = (to: number) => {
    if (to > written) pieces.push(new Uint8Array(to - written));
    written = to;
  };
  [...first, ...late].forEach(([, array], i) => {
    pad(dataStart + (columns[i] as [string, number, number])[1]);
    pieces.push(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    written += array.byteLength;
  });
  pad(dataStart + dataLength);
  mkdirSync(dirname(index.file), { recursive: true });
  const temporary = `${index.file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeAll(fd, pieces);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, index.file);
}

/** writev until every byte of `pieces` is written (a write may take fewer bytes than asked). */
function writeAll(fd: number, pieces: Uint8Array[]): void {
  const BATCH = 512; // well under any system's IOV_MAX
  for (let from = 0; from < pieces.length; ) {
    const batch = pieces.slice(from, from + BATCH);
    let want = 0;
    for (const piece of batch) want += piece.length;
    let wrote = writevSync(fd, batch);
    if (wrote === want) {
      from += batch.length;
      continue;
    }
    // A short write: skip what was written and go on from there.
    let i = 0;
    while (wrote >= (batch[i] as Uint8Array).length) wrote -= (batch[i++] as Uint8Array).length;
    pieces[from + i] = (batch[i] as Uint8Array).subarray(wrote);
    from += i;
  }
}

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

/**
 * The worker's share of the bytes against this thread's: this thread also counts every
 * result and saves the index, so the worker reads more (~59%). Measured on 1 GB, side by
 * side: 1.3–1.45 beat 1.0 by 40–70 ms, 1.8 was slower again.
 */
const WORKER_SHARE = 1.45;

/** Below this many bytes to read, a worker thread costs more than it saves. */
const PARALLEL_MIN_BYTES = 16 << 20;

/**
 * updateTranscriptIndex for a large amount of new bytes (the first build): this thread and a
 * worker thread read and scan the files between them (WORKER_SHARE); results are counted in
 * file order, so the index is the same as a sequential run's. TAKT_INDEX_THREADS=1 turns the worker off.
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
  const workerFile = import.meta.url.endsWith('.ts') ? undefined : new URL('./scan-worker.cjs', import.meta.url);
  if (totalBytes < PARALLEL_MIN_BYTES || threads < 2 || workerFile === undefined) {
    readHere(index, work, summary, totalBytes, options);
    return summary;
  }
  // Split by bytes: the worker takes every file that keeps its bytes at or below
  // WORKER_SHARE times this thread's.
  const mine: number[] = [];
  const theirs: number[] = [];
  let mineBytes = 0;
  let theirBytes = 0;
  work.forEach((w, i) => {
    const bytes = w.job.size - w.job.offset;
    if (theirBytes <= mineBytes * WORKER_SHARE) {
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

/**
 * Stats every file found: what changed, what must be read, and what is gone. Unchanged
 * files are compared with the index's numbers only; when something changed, the index's
 * update part is read (IndexReplacedError when another run replaced the file meanwhile).
 */
function planUpdate(
  index: TranscriptIndex,
  found: readonly TranscriptFile[],
  options: UpdateOptions,
): { summary: UpdateSummary; work: Work[]; totalBytes: number } {
  const summary: UpdateSummary = { filesRead: 0, filesRemoved: 0, bytesRead: 0, changed: false };
  const work: Work[] = [];
  const changed: Array<[TranscriptFile, Stats]> = [];
  const vanished = new Set<string>();
  let known = 0; // files found that the index holds
  for (const file of found) {
    const st = statSync(file.path, NO_THROW);
    if (st === undefined) {
      vanished.add(file.path); // deleted between listing and stat
      continue;
    }
    if (index.files.isUnchanged(file.path, st)) {
      known++; // the common case: nothing to read
      continue;
    }
    if (index.files.has(file.path)) known++;
    changed.push([file, st]);
  }
  const removed = !options.partial && known < index.files.size;
  if (changed.length === 0 && !removed) return { summary, work, totalBytes: 0 };
  index.complete?.();
  let totalBytes = 0;
  for (const [file, st] of changed) {
    let state = index.files.get(file.path);
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
  // A first build: room for the rows it will likely find (transcripts hold well over 4 KB per
  // response), so the columns are not grown and copied step by step; unused room costs nothing.
  const likelyRows = Math.ceil(totalBytes / 4096);
  if (likelyRows > 1024) index.table.reserve(index.table.count + likelyRows);
  if (removed) {
    const present = new Set<string>();
    for (const file of found) if (!vanished.has(file.path)) present.add(file.path);
    for (const path of index.files.keys()) {
      if (present.has(path)) continue;
      releaseFile(index, index.files.get(path) as FileState);
      index.files.delete(path);
      summary.filesRemoved++;
      summary.changed = true;
    }
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
  const read = withFile(path, (fd) => readFully(fd, bytes, bytes.length, state.offset - bytes.length));
  return read !== undefined && bytes.toString('latin1') === state.tail;
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
    const table = index.table;
    const serial = table.beginClaims(rows);
    for (const line of scan.lines) {
      const row = table.addLine(line, state.project);
      if (!table.claim(row, serial)) continue; // this file holds it already (a streaming snapshot)
      rows.push(row);
      table.columns.owners[row] = (table.columns.owners[row] as number) + 1;
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

function emptyState(file: TranscriptFile, st: Stats): FileState {
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
