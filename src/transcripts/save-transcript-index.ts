import { closeSync, mkdirSync, openSync, renameSync, writevSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileColumns } from './file-states.ts';
import { align8, type Header, MAGIC, PREAMBLE, VERSION } from './index-file-format.ts';
import { lookupHash } from './lookup-hash.ts';
import { QUARTER_MS, quarterHourSums, sumsOverHours } from './quarter-hour-sums.ts';
import { encodeListings } from './saved-listings.ts';
import type { TranscriptIndex } from './transcript-index.ts';
import {
  COLUMN_NAMES,
  type FloatColumn,
  internString,
  isFloatColumn,
  type U32Column,
  UPDATE_COLUMNS,
} from './usage-table.ts';

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
  // Saved, and kept for this run's report: the next warm report sums these, not the rows.
  table.quarterSums = quarterHourSums(table, QUARTER_MS);
  table.hourSums = sumsOverHours(table.quarterSums);
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
  const fileNumber = new Map(states.map((f, i) => [f.path, i]));
  const listingBlocks = encodeListings(index.listings, (path) => fileNumber.get(path));
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
  const pathHashes = Float64Array.from(states, (f) => lookupHash(f.path));
  const column = (name: string) =>
    isFloatColumn(name) ? table.columns[name as FloatColumn] : table.columns[name as U32Column];
  type Block = [string, ArrayBufferView & { length: number }];
  const columnsWhere = (update: boolean) =>
    COLUMN_NAMES.filter((name) => UPDATE_COLUMNS.has(name) === update).map((name): Block => [name, column(name)]);
  // First what every warm run reads (a report that can sum the hours reads no more), then
  // what a report reads when it needs it (the quarter hours, the sessions, the columns of a
  // report of rows), then what only an update needs.
  const first: Block[] = [
    ['hourSums', table.hourSums.numbers],
    ['hourReported', table.hourSums.reported],
    ['fileNumbers', files.numbers],
    ['fileTails', files.tails],
    ['dirNumbers', listingBlocks.numbers],
    ['dirNames', listingBlocks.text],
    ['dirFileIds', listingBlocks.ids],
  ];
  const rowColumns: Block[] = [
    ['quarterSums', table.quarterSums.numbers],
    ['quarterReported', table.quarterSums.reported],
    ['sessionNames', Buffer.from(JSON.stringify(table.sessions.values), 'utf8')],
    ...columnsWhere(false),
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
  const readSums = dataLength;
  place(rowColumns);
  const readFirst = dataLength;
  place(late);
  const header: Header = {
    stamp: newStamp(),
    count: table.count,
    files: states.length,
    models: table.models.values,
    projects: table.projects.values,
    skipped: files.skipped,
    columns,
    readSums,
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
  [...first, ...rowColumns, ...late].forEach(([, array], i) => {
    pad(dataStart + (columns[i] as [string, number, number])[1]);
    pieces.push(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    written += array.byteLength;
  });
  pad(dataStart + dataLength);
  mkdirSync(dirname(index.file), { recursive: true, mode: 0o700 });
  const temporary = `${index.file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
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
