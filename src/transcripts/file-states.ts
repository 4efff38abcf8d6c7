import type { SkippedLine } from './scan-usage-lines.ts';

/** What the index remembers of one transcript file. */
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

/** The numbers of one saved file, FILE_FIELDS per file in one Float64Array. */
export const FILE_FIELDS = 10;
const DEV = 0;
const INO = 1;
const SIZE = 2;
const MTIME = 3;
const OFFSET = 4;
const ROW_START = 5;
const ROW_COUNT = 6;
const SKIPPED_COUNT = 7;
const SYNTHETIC = 8;
const PROJECT = 9;
/** A tail per file: its length, then up to 255 latin1 bytes (TAIL_BYTES are kept). */
export const TAIL_SLOT = 33;

/** The files of a saved index as columns: what a warm run compares without an object per file. */
export interface SavedFiles {
  /** The files' paths by number; a function when they are parsed only if needed (a warm run whose listings carry the numbers needs none). */
  paths: readonly string[] | (() => readonly string[]);
  /** The index's project names (a file's project is a number into them). */
  projects: readonly string[];
  numbers: Float64Array;
  tails: Uint8Array;
  /** Only files that skipped lines: file number → the first skipped lines. */
  skipped: ReadonlyMap<number, SkippedLine[]>;
}

/** Stat fields a warm run compares (a `Stats` has them). */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/**
 * The file states of an index, keyed by path. Saved files stay in their columns until one
 * is asked for: a warm run that finds nothing changed compares 3,000 files' numbers and
 * makes no object for any of them. An asked-for saved file becomes a FileState (its rows
 * need the index's row lists, which `rowsOf` loads on first use).
 */
export class FileStates {
  private readonly states = new Map<string, FileState>();
  /** Saved files not yet turned into states (nor deleted): path → file number; built on first use when the paths are lazy. */
  private savedAtMap: Map<string, number> | undefined;
  /** No saved file was turned into a state or deleted yet: saved file numbers still name every saved file. */
  private pristine = true;

  constructor(
    private readonly saved?: SavedFiles,
    private readonly rowsOf?: (start: number, count: number) => Uint32Array,
  ) {
    if (typeof saved?.paths !== 'function') this.savedAtMap = pathMap(saved?.paths ?? []);
  }

  private get savedAt(): Map<string, number> {
    // Unset only when the saved paths are a function (the constructor maps an array at once).
    this.savedAtMap ??= pathMap(((this.saved as SavedFiles).paths as () => readonly string[])());
    return this.savedAtMap;
  }

  get size(): number {
    const saved = this.savedAtMap?.size ?? (this.saved as SavedFiles).numbers.length / FILE_FIELDS;
    return this.states.size + saved;
  }

  /**
   * isUnchanged of saved file number `at`, by number (no path looked up): only for a number
   * read from the same saved index (a listing's `ids`), and only while no saved file has been
   * turned into a state or deleted; undefined when that does not hold (ask by path then).
   */
  isUnchangedAt(at: number, st: FileIdentity): boolean | undefined {
    if (!this.pristine || this.saved === undefined) return undefined;
    const n = this.saved.numbers;
    const base = at * FILE_FIELDS;
    if (base + FILE_FIELDS > n.length) return undefined;
    return (
      n[base + SIZE] === st.size &&
      n[base + MTIME] === st.mtimeMs &&
      n[base + INO] === st.ino &&
      n[base + DEV] === st.dev
    );
  }

  /** The number of a saved file not yet turned into a state, by its path. */
  savedNumber(path: string): number | undefined {
    return this.savedAt.get(path);
  }

  has(path: string): boolean {
    return this.states.has(path) || this.savedAt.has(path);
  }

  /** Whether the file is as the index saw it: same identity, size and modification time. */
  isUnchanged(path: string, st: FileIdentity): boolean {
    const at = this.savedAt.get(path);
    if (at !== undefined) {
      const n = (this.saved as SavedFiles).numbers;
      const base = at * FILE_FIELDS;
      return (
        n[base + SIZE] === st.size &&
        n[base + MTIME] === st.mtimeMs &&
        n[base + INO] === st.ino &&
        n[base + DEV] === st.dev
      );
    }
    const s = this.states.get(path);
    return s !== undefined && s.size === st.size && s.mtimeMs === st.mtimeMs && s.ino === st.ino && s.dev === st.dev;
  }

  get(path: string): FileState | undefined {
    const state = this.states.get(path);
    if (state !== undefined) return state;
    const at = this.savedAt.get(path);
    if (at === undefined) return undefined;
    return this.stateAt(path, at);
  }

  set(path: string, state: FileState): void {
    this.pristine = false;
    this.savedAt.delete(path);
    this.states.set(path, state);
  }

  delete(path: string): boolean {
    this.pristine = false;
    return this.savedAt.delete(path) || this.states.delete(path);
  }

  /** Every state (saved files become objects, rows and all: for saving, not for reading). */
  values(): FileState[] {
    for (const [path, at] of [...this.savedAt]) this.stateAt(path, at);
    return [...this.states.values()];
  }

  keys(): string[] {
    return [...this.states.keys(), ...this.savedAt.keys()];
  }

  /** Lines skipped in all files (cut off or malformed), from the saved numbers: no object per file. */
  skippedLineCount(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.skippedCount;
    const saved = this.saved;
    if (saved !== undefined && this.savedAtMap === undefined) {
      // Paths not parsed: every saved file is still saved (none was turned into a state). Only
      // files that skipped a line have a count, and each keeps its first skipped lines in
      // `skipped`: its keys are those files (a loop over all 3,000 cost a warm report 100 kB of
      // boxed numbers, issue 24.2).
      for (const at of saved.skipped.keys()) n += saved.numbers[at * FILE_FIELDS + SKIPPED_COUNT] as number;
    } else if (saved !== undefined) {
      for (const at of this.savedAt.values()) n += saved.numbers[at * FILE_FIELDS + SKIPPED_COUNT] as number;
    }
    return n;
  }

  /** What each file skipped and set aside, without its rows (reading them may need the rest of the index). */
  summaries(): Array<Pick<FileState, 'path' | 'skipped' | 'skippedCount' | 'synthetic'>> {
    const out: Array<Pick<FileState, 'path' | 'skipped' | 'skippedCount' | 'synthetic'>> = [];
    for (const s of this.states.values()) out.push(s);
    const saved = this.saved;
    if (saved !== undefined) {
      for (const [path, at] of this.savedAt) {
        const base = at * FILE_FIELDS;
        out.push({
          path,
          skipped: saved.skipped.get(at) ?? [],
          skippedCount: saved.numbers[base + SKIPPED_COUNT] as number,
          synthetic: saved.numbers[base + SYNTHETIC] as number,
        });
      }
    }
    return out;
  }

  /** The state of saved file number `at` (kept from now on as an object). */
  stateAt(path: string, at: number): FileState {
    const saved = this.saved as SavedFiles;
    const n = saved.numbers;
    const base = at * FILE_FIELDS;
    const tailAt = at * TAIL_SLOT;
    const tailLength = saved.tails[tailAt] as number;
    const rowsOf = this.rowsOf;
    if (rowsOf === undefined) throw new Error('the index was loaded without its row lists');
    const state: FileState = {
      path,
      project: saved.projects[n[base + PROJECT] as number] as string,
      dev: n[base + DEV] as number,
      ino: n[base + INO] as number,
      size: n[base + SIZE] as number,
      mtimeMs: n[base + MTIME] as number,
      offset: n[base + OFFSET] as number,
      rows: rowsOf(n[base + ROW_START] as number, n[base + ROW_COUNT] as number),
      skipped: [...(saved.skipped.get(at) ?? [])],
      skippedCount: n[base + SKIPPED_COUNT] as number,
      synthetic: n[base + SYNTHETIC] as number,
      tail: Buffer.from(saved.tails.buffer, saved.tails.byteOffset + tailAt + 1, tailLength).toString('latin1'),
    };
    this.set(path, state);
    return state;
  }
}

function pathMap(paths: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (let i = 0; i < paths.length; i++) map.set(paths[i] as string, i);
  return map;
}

/** The columns of `states` for saving: numbers and tails; `projectId` and `rowStart` number them. */
export function fileColumns(
  states: readonly FileState[],
  projectId: (project: string) => number,
  rowStart: (i: number) => number,
): { numbers: Float64Array; tails: Uint8Array; skipped: Array<[number, SkippedLine[]]> } {
  const numbers = new Float64Array(states.length * FILE_FIELDS);
  const tails = new Uint8Array(states.length * TAIL_SLOT);
  const skipped: Array<[number, SkippedLine[]]> = [];
  states.forEach((s, i) => {
    const base = i * FILE_FIELDS;
    numbers[base + DEV] = s.dev;
    numbers[base + INO] = s.ino;
    numbers[base + SIZE] = s.size;
    numbers[base + MTIME] = s.mtimeMs;
    numbers[base + OFFSET] = s.offset;
    numbers[base + ROW_START] = rowStart(i);
    numbers[base + ROW_COUNT] = s.rows.length;
    numbers[base + SKIPPED_COUNT] = s.skippedCount;
    numbers[base + SYNTHETIC] = s.synthetic;
    numbers[base + PROJECT] = projectId(s.project);
    const tail = Buffer.from(s.tail.slice(-(TAIL_SLOT - 1)), 'latin1');
    tails[i * TAIL_SLOT] = tail.length;
    tails.set(tail, i * TAIL_SLOT + 1);
    if (s.skipped.length > 0) skipped.push([i, s.skipped]);
  });
  return { numbers, tails, skipped };
}
