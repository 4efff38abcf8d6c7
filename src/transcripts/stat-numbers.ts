import { statSync } from 'node:fs';
import type { FileIdentity } from './file-states.ts';

/** What a warm run needs of a stat: the identity it compares, and whether it is a directory. */
export interface StatNumbers extends FileIdentity {
  isDirectory: boolean;
}

/**
 * Node's own stat, below `fs.statSync`: fills and returns one shared Float64Array (dev, mode,
 * nlink, uid, gid, rdev, blksize, ino, size, blocks, then seconds and nanoseconds of atime,
 * mtime, ctime, birthtime), or undefined for a missing path when asked not to throw.
 */
export type RawStat = (
  path: string,
  bigint: false,
  request: undefined,
  throwIfNoEntry: boolean,
) => Float64Array | undefined;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** undefined: not tried yet; null: not usable here, fs.statSync is used. */
let raw: RawStat | null | undefined;
/** The first raw stat of a process is checked against fs.statSync before any is trusted. */
let checked = false;

/**
 * stat(2) of a path as the numbers a warm run compares, or undefined when nothing is there.
 *
 * A warm `takt report` stats every transcript file and directory (3,800 on a large history):
 * on Node 20 `fs.statSync` builds a `Stats` with four `Date`s for each, which in a fresh
 * process cost more than the system calls themselves (issue 24.2; docs/benchmarks.md). This
 * reads the same numbers from the binding `fs.statSync` itself calls, and makes no `Stats`.
 * That binding is Node's internal API (reached through the deprecated `process.binding`), so
 * it is used only where it proves itself: the first stat of each process is made both ways and
 * compared, field by field, and any difference, missing function or throw turns it off for the
 * process, which then uses `fs.statSync` as before (docs/decisions.md). Not on Windows (paths
 * there need Node's namespacing) and not under `--pending-deprecation` (which would print a
 * warning for `process.binding`). `into`, when given, is filled and returned instead of a new
 * object where the raw stat is used (a caller that compares and forgets makes none per file).
 */
export function statNumbers(path: string, into?: StatNumbers): StatNumbers | undefined {
  const stat = raw === undefined ? findRawStat() : raw;
  if (stat === null || path.indexOf('\0') !== -1) return fromStats(path);
  let numbers: StatNumbers | undefined;
  try {
    const values = stat(path, false, undefined, false);
    numbers = values === undefined ? undefined : fromValues(values, into);
  } catch {
    return fromStats(path); // an error other than a missing path: fs.statSync throws it as usual
  }
  if (checked) return numbers;
  const reference = fromStats(path);
  if (numbers === undefined && reference === undefined) return undefined; // compared at the next path
  checked = true;
  if (numbers !== undefined && reference !== undefined && sameNumbers(numbers, reference)) return numbers;
  raw = null; // this Node's binding does not give what fs.statSync gives: not used again
  return reference;
}

/**
 * Tests: `undefined` finds Node's raw stat again (checked anew), `null` turns it off, a function
 * stands in for it (a binding that answers wrongly must be caught by the first check).
 */
export function setRawStat(stat: RawStat | null | undefined): void {
  raw = stat;
  checked = false;
}

/** Whether statNumbers currently reads Node's raw stat (after its first call in a process). */
export function usesRawStat(): boolean {
  return raw !== null && raw !== undefined;
}

function findRawStat(): RawStat | null {
  raw = null;
  try {
    if (process.platform === 'win32' || pendingDeprecation()) return raw;
    const binding = (process as unknown as { binding(name: string): { stat?: unknown } }).binding('fs');
    const stat = binding.stat;
    if (typeof stat === 'function') raw = (stat as RawStat).bind(binding);
  } catch {
    // no process.binding, or no fs in it: fs.statSync
  }
  return raw;
}

function pendingDeprecation(): boolean {
  return (
    process.execArgv.includes('--pending-deprecation') ||
    (process.env.NODE_OPTIONS ?? '').includes('--pending-deprecation') ||
    process.env.NODE_PENDING_DEPRECATION === '1'
  );
}

/** The numbers of a raw stat, into `into` when given (a walk of 3,000 files makes no object per stat). */
function fromValues(values: Float64Array, into?: StatNumbers): StatNumbers {
  const numbers = into ?? { dev: 0, ino: 0, size: 0, mtimeMs: 0, isDirectory: false };
  numbers.dev = values[0] as number;
  numbers.ino = values[7] as number;
  numbers.size = values[8] as number;
  // As Node computes Stats.mtimeMs, so the two compare equal to the last bit.
  numbers.mtimeMs = (values[12] as number) * 1e3 + (values[13] as number) / 1e6;
  numbers.isDirectory = ((values[1] as number) & S_IFMT) === S_IFDIR;
  return numbers;
}

function fromStats(path: string): StatNumbers | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return undefined;
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, isDirectory: st.isDirectory() };
}

function sameNumbers(a: StatNumbers, b: StatNumbers): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.isDirectory === b.isDirectory
  );
}
