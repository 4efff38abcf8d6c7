import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readSettings, writeSettings } from './claude-settings.ts';

/**
 * takt's entries in Claude Code's settings.json: a `StopFailure` hook (matcher
 * `rate_limit`) that reports a hit limit, and the status line when none is set. Added and
 * removed through the same whole-file, backed-up write as the telemetry settings.
 *
 * A command hook, not an HTTP hook: Claude Code 2.1.330 has HTTP hooks, but they POST the
 * hook input as it is (no `quotaLimits`, only a transcript path the server cannot read)
 * and refuse private addresses other than loopback — a team server on the LAN would be
 * blocked. See docs/decisions.md.
 */

/** The words after takt's command that make the hook: how takt's entries are recognised. */
export const STOP_FAILURE_ARGS = 'hooks stop-failure';

export interface HookEntry {
  matcher: string;
  hooks: { type: 'command'; command: string; timeout: number }[];
}

export interface StatusLineEntry {
  type: 'command';
  command: string;
  padding: number;
}

/** What install added to one settings file, so that uninstall removes exactly that. */
interface InstallRecord {
  added_status_line: StatusLineEntry | null;
  created_hooks: boolean;
  created_stop_failure: boolean;
}

export function stopFailureEntry(taktCommand: string): HookEntry {
  return {
    matcher: 'rate_limit',
    hooks: [{ type: 'command', command: detachedHookCommand(taktCommand), timeout: 10 }],
  };
}

/**
 * The hook's command line: takt started as a background job of a subshell that exits at
 * once, with Claude Code's stdin (the hook input) handed over on fd 3. Claude Code 2.1.330
 * runs a hook as `/bin/sh -c COMMAND` and, in `claude -p`, sends SIGTERM to the hook's whole
 * process tree 10–50 ms after starting it, as the run ends — before Node has even run takt's
 * first line, so a plain `node takt hooks stop-failure` was killed in most runs. A job
 * orphaned by its subshell is no longer in that tree, and reports whatever Claude Code does
 * next. Plain POSIX sh (dash, bash, macOS's sh): a background job's stdin would be /dev/null
 * without the explicit `<&3`. See docs/decisions.md.
 */
export function detachedHookCommand(taktCommand: string): string {
  return `(${taktCommand} ${STOP_FAILURE_ARGS} <&3 &) 3<&0`;
}

export function statusLineEntry(taktCommand: string): StatusLineEntry {
  return { type: 'command', command: `${taktCommand} statusline`, padding: 0 };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A StopFailure entry takt added: every command in it is takt's hook. */
function isTaktEntry(entry: unknown): boolean {
  if (!isObject(entry) || !Array.isArray(entry.hooks) || entry.hooks.length === 0) return false;
  return entry.hooks.every(
    // Older takt wrote the bare command (`… hooks stop-failure` at the end): recognised too, so
    // install replaces it and uninstall removes it.
    (h) => isObject(h) && typeof h.command === 'string' && h.command.includes(` ${STOP_FAILURE_ARGS}`),
  );
}

/**
 * takt's StopFailure hook in a settings file: `current` (the detached command), `outdated` (an
 * older takt's bare command, which Claude Code can terminate before it reports), or `absent`.
 */
export function hookStateIn(path: string): 'current' | 'outdated' | 'absent' {
  let settings: Record<string, unknown>;
  try {
    settings = readSettings(path);
  } catch {
    return 'absent';
  }
  const list = isObject(settings.hooks) ? settings.hooks.StopFailure : undefined;
  const ours = (Array.isArray(list) ? list : []).filter(isTaktEntry) as HookEntry[];
  if (ours.length === 0) return 'absent';
  return ours.every((e) => e.hooks.every((h) => h.command.endsWith(' <&3 &) 3<&0'))) ? 'current' : 'outdated';
}

const recordFile = (home: string) => join(home, 'claude-hooks.json');

function readRecords(home: string): Record<string, InstallRecord> {
  try {
    const parsed = JSON.parse(readFileSync(recordFile(home), 'utf8')) as unknown;
    return isObject(parsed) ? (parsed as Record<string, InstallRecord>) : {};
  } catch {
    return {};
  }
}

function writeRecords(home: string, records: Record<string, InstallRecord>): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const temp = `${recordFile(home)}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(records, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, recordFile(home));
}

export interface HooksInstallResult {
  path: string;
  backup: string | undefined;
  hook: 'added' | 'replaced' | 'kept';
  status_line: 'added' | 'kept_yours' | 'kept';
}

/**
 * Adds the StopFailure hook (replacing an older takt hook, so a re-install never stacks
 * two) and, when settings.json has no status line, takt's. Other keys stay as they are.
 */
export function installHooks(
  path: string,
  home: string,
  taktCommand: string,
  options: { statusLine: boolean; keepBackup?: boolean } = { statusLine: true },
  now = new Date(),
): HooksInstallResult {
  const abs = resolve(path);
  const settings = readSettings(abs);
  const records = readRecords(home);
  const previous = records[abs];
  const hooks = isObject(settings.hooks) ? settings.hooks : undefined;
  const list = hooks && Array.isArray(hooks.StopFailure) ? (hooks.StopFailure as unknown[]) : undefined;
  const entry = stopFailureEntry(taktCommand);
  const ours = (list ?? []).filter(isTaktEntry);
  const hook: HooksInstallResult['hook'] =
    ours.length === 0 ? 'added' : ours.length === 1 && sameJson(ours[0], entry) ? 'kept' : 'replaced';
  const nextList = [...(list ?? []).filter((e) => !isTaktEntry(e)), entry];
  const next: Record<string, unknown> = { ...settings, hooks: { ...(hooks ?? {}), StopFailure: nextList } };

  let status: HooksInstallResult['status_line'] = 'kept';
  let addedStatusLine = previous?.added_status_line ?? null;
  if (options.statusLine && settings.statusLine === undefined) {
    addedStatusLine = statusLineEntry(taktCommand);
    next.statusLine = addedStatusLine;
    status = 'added';
  } else if (settings.statusLine !== undefined && !sameJson(settings.statusLine, addedStatusLine)) {
    status = 'kept_yours';
  }
  const record: InstallRecord = {
    added_status_line: addedStatusLine,
    created_hooks: previous?.created_hooks ?? hooks === undefined,
    created_stop_failure: previous?.created_stop_failure ?? list === undefined,
  };
  if (hook === 'kept' && status !== 'added') {
    records[abs] = record;
    writeRecords(home, records);
    return { path: abs, backup: undefined, hook, status_line: status };
  }
  const { backup } = writeSettings(abs, next, now, options.keepBackup ?? true);
  records[abs] = record;
  writeRecords(home, records);
  return { path: abs, backup, hook, status_line: status };
}

export interface HooksUninstallResult {
  path: string;
  backup: string | undefined;
  removed_hooks: number;
  removed_status_line: boolean;
}

/**
 * Removes what install added: takt's StopFailure entries, the status line if install set
 * it and it is still the same, and the `hooks` / `StopFailure` keys if install created them
 * and they are empty now. Everything else stays.
 */
export function uninstallHooks(path: string, home: string, now = new Date()): HooksUninstallResult {
  const abs = resolve(path);
  if (!existsSync(abs)) return { path: abs, backup: undefined, removed_hooks: 0, removed_status_line: false };
  const settings = readSettings(abs);
  const records = readRecords(home);
  const record = records[abs];
  const next: Record<string, unknown> = { ...settings };
  let removedHooks = 0;
  if (isObject(settings.hooks) && Array.isArray(settings.hooks.StopFailure)) {
    const list = settings.hooks.StopFailure as unknown[];
    const kept = list.filter((e) => !isTaktEntry(e));
    removedHooks = list.length - kept.length;
    const hooks: Record<string, unknown> = { ...settings.hooks, StopFailure: kept };
    if (kept.length === 0 && (record?.created_stop_failure ?? true)) delete hooks.StopFailure;
    if (Object.keys(hooks).length === 0 && (record?.created_hooks ?? true)) delete next.hooks;
    else next.hooks = hooks;
  }
  const removedStatusLine =
    record?.added_status_line != null && sameJson(settings.statusLine, record.added_status_line);
  if (removedStatusLine) delete next.statusLine;
  delete records[abs];
  writeRecords(home, records);
  if (removedHooks === 0 && !removedStatusLine) {
    return { path: abs, backup: undefined, removed_hooks: 0, removed_status_line: false };
  }
  const { backup } = writeSettings(abs, next, now);
  return { path: abs, backup, removed_hooks: removedHooks, removed_status_line: removedStatusLine };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
