import { FileStates } from './file-states.ts';
import { type BlockView, type IndexReader, openIndex, SavedNames } from './index-file-format.ts';
import { HOUR_MS, QUARTER_MS } from './quarter-hour-sums.ts';
import type { QuarterSums } from './quarter-sums.ts';
import { decodeListings } from './saved-listings.ts';
import { emptyIndex, IndexReplacedError, type TranscriptIndex } from './transcript-index.ts';
import {
  allocateColumns,
  COLUMN_NAMES,
  type FloatColumn,
  isFloatColumn,
  type U32Column,
  UPDATE_COLUMNS,
  UsageTable,
} from './usage-table.ts';

const utf8 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');

type ColumnArrays = Record<FloatColumn, Float64Array> & Record<U32Column, Uint32Array>;

/**
 * The saved index, or an empty one when there is none or it cannot be used (it is rebuilt).
 * By default only what a report reads is loaded; the rest is read by `complete` when an
 * update needs it. `whole`: read everything now. `lazyRows`: the response columns too are read
 * only when first used (a report that sums the quarter hours does not), and reading them then
 * throws IndexReplacedError when another run replaced the index meanwhile.
 */
export function loadTranscriptIndex(
  file: string,
  options: { whole?: boolean; lazyRows?: boolean } = {},
): TranscriptIndex {
  try {
    return (
      openIndex(file, (reader) => decodeIndex(file, reader, options.whole === true, options.lazyRows === true)) ??
      emptyIndex(file)
    );
  } catch {
    return emptyIndex(file);
  }
}

function decodeIndex(file: string, reader: IndexReader, whole: boolean, lazyRows: boolean): TranscriptIndex {
  const { header } = reader;
  const lastByte = header.dataLength;
  const lazy = lazyRows && !whole;
  const view = reader.readData(0, whole ? lastByte : lazy ? header.readSums : header.readFirst);
  const columnsFrom = (columnView: typeof view) => {
    const columns = allocateColumns(0) as ColumnArrays;
    for (const name of COLUMN_NAMES) {
      if (!whole && UPDATE_COLUMNS.has(name)) continue;
      if (isFloatColumn(name)) columns[name] = columnView(name, Float64Array);
      else columns[name as U32Column] = columnView(name, Uint32Array);
    }
    return columns;
  };
  // The middle part (quarter-hour sums, session ids, response columns) is in `view` unless
  // lazy: then it is read on first use from the same save or IndexReplacedError (the caller
  // loads anew) — all of it for the columns, else one block at a time from the file.
  let middleRead: BlockView | undefined = lazy ? undefined : view;
  const readMiddle = () => {
    middleRead ??= readAgain(file, header.stamp, header.readSums, header.readFirst);
    return middleRead;
  };
  const middle: BlockView = (name, type) =>
    middleRead !== undefined
      ? middleRead(name, type)
      : readAgainWith(file, header.stamp, (r) => r.readBlock(name, type));
  const quarterSums = (): QuarterSums => ({
    spanMs: QUARTER_MS,
    numbers: middle('quarterSums', Uint32Array),
    reported: middle('quarterReported', Float64Array),
  });
  let sessionBytes: Uint8Array | undefined;
  const readSessions = () => {
    sessionBytes ??= middle('sessionNames', Uint8Array);
    return sessionBytes;
  };
  const table = new UsageTable({
    count: header.count,
    columns: lazy ? () => columnsFrom(readMiddle()) : columnsFrom(view),
    models: header.models,
    sessions: new SavedNames(readSessions),
    projects: header.projects,
    keySlots: whole ? view('keySlots', Float64Array) : new Float64Array(0),
    keyRows: whole ? view('keyRows', Uint32Array) : new Uint32Array(0),
    incomplete: !whole,
    quarterSums: lazy ? quarterSums : quarterSums(),
    hourSums: { spanMs: HOUR_MS, numbers: view('hourSums', Uint32Array), reported: view('hourReported', Float64Array) },
  });
  const paths = lazyPaths(
    lazy ? () => readAgainWith(file, header.stamp, (again) => again.readPaths()) : reader.readPaths(),
  );
  let fileRows: Uint32Array | undefined = whole ? view('fileRows', Uint32Array) : undefined;
  const files = new FileStates(
    {
      // Parsed only when a path is looked up: a warm run finds its files by number (listings' ids).
      // A report does not even read them unless it needs them (or something changed: complete).
      paths,
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
  const listings = decodeListings(
    view('dirNumbers', Float64Array),
    utf8(view('dirNames', Uint8Array)),
    view('dirFileIds', Uint32Array),
    files,
  );
  const index: TranscriptIndex = { file, table, files, listings };
  if (!whole) {
    index.complete = () => {
      index.complete = undefined;
      const rest = readAgain(file, header.stamp, header.readFirst, lastByte);
      table.complete(
        {
          keyHash: rest('keyHash', Float64Array),
          owners: rest('owners', Uint32Array),
        },
        rest('keySlots', Float64Array),
        rest('keyRows', Uint32Array),
      );
      fileRows = rest('fileRows', Uint32Array);
      // Read now, while the update may still meet IndexReplacedError: saving needs them.
      paths();
      readSessions();
    };
  }
  return index;
}

/** `use` of the index file as saved with `stamp`; IndexReplacedError when it was replaced since. */
function readAgainWith<T>(file: string, stamp: string, use: (again: IndexReader) => T): T {
  let data: T | undefined;
  try {
    data = openIndex(file, (again) => (again.header.stamp === stamp ? use(again) : undefined));
  } catch {
    data = undefined; // cut short or unreadable now: as good as replaced
  }
  if (data === undefined) throw new IndexReplacedError(`${file} was replaced while it was read`);
  return data;
}

/** Data bytes [from, to) of the index file as saved with `stamp`. */
function readAgain(file: string, stamp: string, from: number, to: number): BlockView {
  return readAgainWith(file, stamp, (again) => again.readData(from, to));
}

/** The paths section's JSON (or what reads it), parsed on first call. */
function lazyPaths(text: Buffer | (() => Buffer)): () => readonly string[] {
  let paths: string[] | undefined;
  return () => {
    paths ??= JSON.parse((typeof text === 'function' ? text() : text).toString('utf8')) as string[];
    return paths;
  };
}
