import { FileStates } from './file-states.ts';
import { type IndexReader, openIndex, savedSessions } from './index-file-format.ts';
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
  // Lazily: read again from the file, the same save or IndexReplacedError (the caller loads anew).
  const block = (name: string, bytesPerElement: number) => readBlockAgain(file, header.stamp, name, bytesPerElement);
  const quarterSums = (): QuarterSums => {
    const numbers = block('quarterSums', 4);
    const reported = block('quarterReported', 8);
    return {
      spanMs: QUARTER_MS,
      numbers: new Uint32Array(numbers.buffer, 0, numbers.length / 4),
      reported: new Float64Array(reported.buffer, 0, reported.length / 8),
    };
  };
  let sessionBytes: Uint8Array | undefined;
  const readSessions = () => {
    sessionBytes ??= block('sessionNames', 1);
    return sessionBytes;
  };
  const table = new UsageTable({
    count: header.count,
    columns: lazy
      ? () => columnsFrom(readAgain(file, header.stamp, header.readSums, header.readFirst))
      : columnsFrom(view),
    models: header.models,
    sessions: savedSessions(lazy ? readSessions : view('sessionNames', Uint8Array)),
    projects: header.projects,
    keySlots: whole ? view('keySlots', Float64Array) : new Float64Array(0),
    keyRows: whole ? view('keyRows', Uint32Array) : new Uint32Array(0),
    incomplete: !whole,
    quarterSums: lazy
      ? quarterSums
      : {
          spanMs: QUARTER_MS,
          numbers: view('quarterSums', Uint32Array),
          reported: view('quarterReported', Float64Array),
        },
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
      if (lazy) readSessions();
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
function readAgain(file: string, stamp: string, from: number, to: number): ReturnType<IndexReader['readData']> {
  return readAgainWith(file, stamp, (again) => again.readData(from, to));
}

/** One block of the index file as saved with `stamp`. */
function readBlockAgain(file: string, stamp: string, name: string, bytesPerElement: number): Uint8Array {
  return readAgainWith(file, stamp, (again) => again.readBlock(name, bytesPerElement));
}

/** The paths section's JSON (or what reads it), parsed on first call. */
function lazyPaths(text: Buffer | (() => Buffer)): () => readonly string[] {
  let paths: string[] | undefined;
  return () => {
    paths ??= JSON.parse((typeof text === 'function' ? text() : text).toString('utf8')) as string[];
    return paths;
  };
}
