import { sep } from 'node:path';
import { type DirListing, NOT_SAVED } from './find-transcripts.ts';

/**
 * The directory listings as the index saves them, in three blocks a warm run reads without
 * making an object per file (issue 24.2: parsed as JSON, their 3,000 names and arrays outlived
 * the young generation and cost a warm report 8 ms of garbage collection):
 * - numbers: LISTING_FIELDS per directory (identity, modification time, when it was listed,
 *   where its path, subdirectory names and file names end in the text, how many files);
 * - text: every directory's path, then its subdirectories' names, then its files' names, names
 *   joined by NUL (which no path holds), as UTF-8;
 * - ids: each file's number in the same index, in listing order (NOT_SAVED: not in it).
 * A loaded listing keeps its place in the one text and splits its names only when asked.
 */
export const LISTING_FIELDS = 8;
const DEV = 0;
const INO = 1;
const MTIME = 2;
const LISTED_AT = 3;
const PATH_END = 4;
const DIRS_END = 5;
const FILES_END = 6;
const FILE_COUNT = 7;

const NUL = '\u0000';

export interface SavedListingBlocks {
  numbers: Float64Array;
  text: Buffer;
  ids: Uint32Array;
}

/** The listings' blocks; `fileNumber` gives a file's number in the index being saved. */
export function encodeListings(
  listings: readonly DirListing[],
  fileNumber: (path: string) => number | undefined,
): SavedListingBlocks {
  const numbers = new Float64Array(listings.length * LISTING_FIELDS);
  const parts: string[] = [];
  const ids: number[] = [];
  let at = 0; // in UTF-16 code units, as the loaded text is indexed
  listings.forEach((l, i) => {
    const dirs = l.dirs.join(NUL);
    const files = l.files.join(NUL);
    parts.push(l.path, dirs, files);
    const base = i * LISTING_FIELDS;
    numbers[base + DEV] = l.dev;
    numbers[base + INO] = l.ino;
    numbers[base + MTIME] = l.mtimeMs;
    numbers[base + LISTED_AT] = l.listedAt;
    numbers[base + PATH_END] = at += l.path.length;
    numbers[base + DIRS_END] = at += dirs.length;
    numbers[base + FILES_END] = at += files.length;
    numbers[base + FILE_COUNT] = l.files.length;
    const prefix = l.path.endsWith(sep) ? l.path : l.path + sep;
    for (const name of l.files) ids.push(fileNumber(prefix + name) ?? NOT_SAVED);
  });
  return { numbers, text: Buffer.from(parts.join(''), 'utf8'), ids: Uint32Array.from(ids) };
}

/**
 * The listings of saved blocks; their files' ids refer to `from` (the loaded index's file
 * states). None when the blocks do not fit together (the directories are listed anew).
 */
export function decodeListings(numbers: Float64Array, text: string, ids: Uint32Array, from: object): DirListing[] {
  const listings: DirListing[] = [];
  let start = 0;
  let firstId = 0;
  for (let base = 0; base + LISTING_FIELDS <= numbers.length; base += LISTING_FIELDS) {
    const pathEnd = numbers[base + PATH_END] as number;
    const filesEnd = numbers[base + FILES_END] as number;
    const fileCount = numbers[base + FILE_COUNT] as number;
    if (filesEnd > text.length || firstId + fileCount > ids.length) return [];
    listings.push(
      new LoadedListing(
        text.slice(start, pathEnd),
        numbers[base + DEV] as number,
        numbers[base + INO] as number,
        numbers[base + MTIME] as number,
        numbers[base + LISTED_AT] as number,
        text,
        pathEnd,
        numbers[base + DIRS_END] as number,
        filesEnd,
        ids,
        firstId,
        fileCount,
        from,
      ),
    );
    start = filesEnd;
    firstId += fileCount;
  }
  // Blocks that do not add up (a damaged file): trust none of it, every directory is listed anew.
  if (start !== text.length || firstId !== ids.length) return [];
  return listings;
}

/** A saved listing: names and ids are cut from the shared text and ids each time they are asked for. */
class LoadedListing implements DirListing {
  constructor(
    readonly path: string,
    readonly dev: number,
    readonly ino: number,
    readonly mtimeMs: number,
    readonly listedAt: number,
    private readonly text: string,
    private readonly pathEnd: number,
    private readonly dirsEnd: number,
    private readonly filesEnd: number,
    private readonly allIds: Uint32Array,
    private readonly firstId: number,
    private readonly fileCount: number,
    readonly from: object,
  ) {}

  get dirs(): string[] {
    return names(this.text, this.pathEnd, this.dirsEnd);
  }

  get files(): string[] {
    return names(this.text, this.dirsEnd, this.filesEnd);
  }

  /** Parallel to files (the walk checks that both have one entry per file). */
  get ids(): Uint32Array {
    return this.allIds.subarray(this.firstId, this.firstId + this.fileCount);
  }
}

function names(text: string, from: number, to: number): string[] {
  return from === to ? [] : text.slice(from, to).split(NUL);
}
