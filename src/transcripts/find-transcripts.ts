import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { statNumbers } from './stat-numbers.ts';

/**
 * Where Claude Code keeps transcripts: `~/.claude/projects`, `~/.config/claude/projects`
 * and every root in CLAUDE_CONFIG_DIR (comma-separated). A root either holds `projects/`
 * or is a projects directory itself. `--dir` replaces the defaults. Roots that do not
 * exist are skipped; the same directory reached twice (a symlink) is read once.
 */
export function transcriptProjectDirs(env: NodeJS.ProcessEnv, dirs: readonly string[] = []): string[] {
  const home = env.HOME ?? homedir();
  const roots =
    dirs.length > 0
      ? dirs
      : [
          ...(env.CLAUDE_CONFIG_DIR ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          join(home, '.config', 'claude'),
          join(home, '.claude'),
        ];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const root of roots) {
    const absolute = resolve(root);
    const candidate = existsSync(join(absolute, 'projects')) ? join(absolute, 'projects') : absolute;
    if (!existsSync(candidate)) continue;
    const real = realpathSync.native(candidate);
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(real);
  }
  return out;
}

export interface TranscriptFile {
  path: string;
  /** The directory under projects/ (Claude Code's encoded working directory). */
  project: string;
  /** Its file number in the saved index `savedIn` (from a listing reused unchanged: DirListing.ids). */
  savedId?: number;
  savedIn?: object;
}

/** What a directory held when it was listed: a run skips listing it again while it is unchanged. */
export interface DirListing {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
  readonly mtimeMs: number;
  /** Date.now() just after it was listed. */
  readonly listedAt: number;
  /** Names of its subdirectories and of its transcript files (a loaded listing makes them anew on each read). */
  readonly dirs: readonly string[];
  readonly files: readonly string[];
  /**
   * Loaded from a saved index: each file's number in it (parallel to `files`; NOT_SAVED when
   * it holds no such file), and that index's file states (`from`). A warm run compares a
   * file's stat with its saved numbers by number, without parsing the index's 3,000 paths or
   * looking each one up (issue 24.2).
   */
  readonly ids?: ArrayLike<number>;
  readonly from?: object;
}

/** A listed file's id when the saved index holds no such file. */
export const NOT_SAVED = 0xffffffff;

/**
 * Asked, during the walk, of each file a reused listing numbers: whether it is the saved file
 * `id` of `from` unchanged (the checker stats and counts it). Such a file is not returned: a warm
 * run that finds nothing changed then keeps no object and no path per file.
 */
export type UnchangedSavedFile = (path: string, from: object, id: number) => boolean;

/**
 * A listing made this soon after its directory last changed is not trusted: an entry
 * added in the same timestamp tick (whole seconds on some file systems, a few
 * milliseconds on ext4) would leave the modification time as it was.
 */
const RACY_MS = 2_000;

/** Every *.jsonl below the projects directories, subagent files (<session>/subagents/) included. */
export function findTranscriptFiles(projectDirs: readonly string[]): TranscriptFile[] {
  return listTranscriptFiles(projectDirs).files;
}

/**
 * findTranscriptFiles with the listings of an earlier run: a directory whose identity and
 * modification time are as listed (and were not racy) is not read again — entries are
 * added, removed or renamed only by changing their directory's modification time. Appends
 * to a file do not change it: the caller stats every file, or has `unchangedSaved` stat
 * those a reused listing numbers as the walk meets them (then only the others are returned;
 * the checker counts the rest). Returns this run's listings.
 */
export function listTranscriptFiles(
  projectDirs: readonly string[],
  known: ReadonlyMap<string, DirListing> = new Map(),
  unchangedSaved?: UnchangedSavedFile,
): { files: TranscriptFile[]; listings: DirListing[] } {
  const files: TranscriptFile[] = [];
  const listings: DirListing[] = [];
  const walk = (dir: string, project: string) => {
    // Directories here are real paths (normalized): joining by hand is path.join's result
    // without its normalizing, which a warm report would pay for 3,000 times.
    const prefix = dir.endsWith(sep) ? dir : dir + sep;
    const st = statNumbers(dir);
    if (st === undefined || !st.isDirectory) return; // removed while we walked
    const was = known.get(dir);
    let listing: DirListing;
    if (
      was !== undefined &&
      was.mtimeMs === st.mtimeMs &&
      was.ino === st.ino &&
      was.dev === st.dev &&
      was.listedAt - was.mtimeMs >= RACY_MS
    ) {
      listing = was;
    } else {
      let entries: import('node:fs').Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return; // removed while we walked, or unreadable: nothing to count there
      }
      const dirs: string[] = [];
      const names: string[] = [];
      for (const entry of entries) {
        if (entry.isDirectory()) dirs.push(entry.name);
        else if (entry.name.endsWith('.jsonl') && (entry.isFile() || entry.isSymbolicLink())) names.push(entry.name);
      }
      listing = { path: dir, dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, listedAt: Date.now(), dirs, files: names };
    }
    listings.push(listing);
    // Each read once: a loaded listing cuts its names from the saved text on every read.
    const names = listing.files;
    const { ids, from } = listing;
    if (ids === undefined || from === undefined || ids.length !== names.length)
      for (const name of names) files.push({ path: prefix + name, project });
    else
      for (let i = 0; i < names.length; i++) {
        const path = prefix + (names[i] as string);
        const id = ids[i] as number;
        if (id === NOT_SAVED) files.push({ path, project });
        else if (unchangedSaved?.(path, from, id) !== true) files.push({ path, project, savedId: id, savedIn: from });
      }
    for (const name of listing.dirs) walk(prefix + name, project === '' ? name : project);
  };
  for (const dir of projectDirs) walk(dir, '');
  return { files, listings };
}
