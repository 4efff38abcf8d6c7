import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';

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
}

/** Every *.jsonl below the projects directories, subagent files (<session>/subagents/) included. */
export function findTranscriptFiles(projectDirs: readonly string[]): TranscriptFile[] {
  const files: TranscriptFile[] = [];
  const walk = (dir: string, project: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed while we walked, or unreadable: nothing to count there
    }
    // Directories here are real paths (normalized): joining by hand is path.join's result
    // without its normalizing, which a warm report would pay for 3,000 times.
    const prefix = dir.endsWith(sep) ? dir : dir + sep;
    for (const entry of entries) {
      const path = prefix + entry.name;
      if (entry.isDirectory()) walk(path, project === '' ? entry.name : project);
      else if (entry.name.endsWith('.jsonl') && (entry.isFile() || entry.isSymbolicLink()))
        files.push({ path, project });
    }
  };
  for (const dir of projectDirs) walk(dir, '');
  return files;
}
