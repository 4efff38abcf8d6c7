import type { FileState } from './file-states.ts';
import type { TranscriptFile, UnchangedSavedFile } from './find-transcripts.ts';
import type { ReadJob } from './read-appended.ts';
import { readFully, withFile } from './read-at.ts';
import { type StatNumbers, statNumbers } from './stat-numbers.ts';
import type { TranscriptIndex, UpdateSummary } from './transcript-index.ts';

export interface UpdateOptions {
  /** `found` is only some of the files (the status line's own session): forget no others. */
  partial?: boolean;
  /** Called now and then while bytes are read (the first build of a large history). */
  onProgress?: (readBytes: number, totalBytes: number, files: number) => void;
  /** Saved files the walk found unchanged (and left out of `found`): found all the same. */
  seen?: UnchangedSeen;
  /**
   * Called once while the files are stat'ed, as soon as the new files' bytes (of files the
   * index does not hold) pass `bytes`: a first build starts its worker thread then.
   */
  onLargeRead?: { bytes: number; call: () => void };
}

/**
 * The walk's check of the files a reused listing numbers (listTranscriptFiles'
 * `unchangedSaved`): stats each and compares it with the index's saved numbers. Unchanged
 * files are counted and remembered here, and planUpdate takes them as found; the walk returns
 * only the others, so a warm run keeps no object and no path per file (issue 24.2).
 */
export class UnchangedSeen {
  count = 0;
  private seen: Uint8Array | undefined;
  /** Filled by each stat: compared at once, kept by nobody. */
  private readonly numbers: StatNumbers = { dev: 0, ino: 0, size: 0, mtimeMs: 0, isDirectory: false };

  constructor(private readonly index: TranscriptIndex) {}

  readonly check: UnchangedSavedFile = (path, from, id) => {
    const files = this.index.files;
    if (from !== files) return false;
    const st = statNumbers(path, this.numbers);
    // isUnchangedAt answers only for a number of the pristine saved files (size counts them then).
    if (st === undefined || files.isUnchangedAt(id, st) !== true) return false;
    this.seen ??= new Uint8Array(files.size);
    this.seen[id] = 1;
    this.count++;
    return true;
  };

  /** Whether the walk found saved file number `id` unchanged. */
  has(id: number | undefined): boolean {
    return id !== undefined && this.seen?.[id] === 1;
  }
}

/** A file to read from its offset on, and the state its responses go to. */
export interface Work {
  state: FileState;
  job: ReadJob;
}

/**
 * Stats every file found: what changed, what must be read, and what is gone. Unchanged
 * files are compared with the index's numbers only; when something changed, the index's
 * update part is read (IndexReplacedError when another run replaced the file meanwhile).
 */
export function planUpdate(
  index: TranscriptIndex,
  found: readonly TranscriptFile[],
  options: UpdateOptions,
): { summary: UpdateSummary; work: Work[]; totalBytes: number } {
  const summary: UpdateSummary = { filesRead: 0, filesRemoved: 0, bytesRead: 0, filesReadByWorker: 0, changed: false };
  const work: Work[] = [];
  const changed: Array<[TranscriptFile, StatNumbers]> = [];
  const vanished = new Set<string>();
  const seen = options.seen;
  let known = seen?.count ?? 0; // files found that the index holds
  let newBytes = 0;
  const large = options.onLargeRead;
  for (const file of found) {
    const st = statNumbers(file.path);
    if (st === undefined) {
      vanished.add(file.path); // deleted between listing and stat
      continue;
    }
    const byNumber =
      file.savedIn === index.files && file.savedId !== undefined
        ? index.files.isUnchangedAt(file.savedId, st)
        : undefined;
    if (byNumber ?? index.files.isUnchanged(file.path, st)) {
      known++; // the common case: nothing to read
      continue;
    }
    if (index.files.has(file.path)) known++;
    else if (large !== undefined && newBytes < large.bytes) {
      newBytes += st.size;
      if (newBytes >= large.bytes) large.call();
    }
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
      if (present.has(path) || seen?.has(index.files.savedNumber(path)) === true) continue;
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

function releaseFile(index: TranscriptIndex, state: FileState): void {
  for (const row of state.rows) index.table.release(row);
  state.rows = [];
}

function emptyState(file: TranscriptFile, st: StatNumbers): FileState {
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
