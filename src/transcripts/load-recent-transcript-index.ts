import { FILE_FIELDS, FileStates, TAIL_SLOT } from './file-states.ts';
import { type IndexReader, openIndex, SavedNames } from './index-file-format.ts';
import { lookupHash } from './lookup-hash.ts';
import type { TranscriptIndex } from './transcript-index.ts';
import { allocateColumns, COLUMN_NAMES, type FloatColumn, UsageTable } from './usage-table.ts';

/** The columns the status line reads; project, owners and reportedCostUsd stay zero in a recent index. */
const RECENT_COLUMNS: ReadonlySet<string> = new Set<string>(
  COLUMN_NAMES.filter((n) => n !== 'project' && n !== 'owners' && n !== 'reportedCostUsd'),
);

/**
 * Only the responses at or after `sinceMs` and only the states of `onlyFiles`, for the
 * status line: saved rows are in time order, so a binary search of the timestamp column
 * finds where they start, and only the tail of each column is read — a few hundred
 * kilobytes instead of the whole index. The result is partial (never saved); its file
 * states hold no rows. No index, or an unusable one (another version): undefined.
 */
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
        sessions: new SavedNames(reader.readBlock('sessionNames', Uint8Array)),
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
    const hash = lookupHash(path);
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
