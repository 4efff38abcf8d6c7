import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { TaktError } from '../lib/errors.ts';

/** Keys of the env block that belong to telemetry: all are replaced together. */
export function isTelemetryKey(key: string): boolean {
  return key === 'CLAUDE_CODE_ENABLE_TELEMETRY' || key.startsWith('OTEL_');
}

export function defaultSettingsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME ?? homedir(), '.claude', 'settings.json');
}

export function readSettings(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TaktError(
      'bad_request',
      `${path} is not valid JSON (${(error as Error).message}): fix it first; takt changed nothing`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TaktError('bad_request', `${path} must hold a JSON object: fix it first; takt changed nothing`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Writes every telemetry key of settings.json's env block at once: stale OTEL_* keys
 * go, unrelated keys and settings stay. The old file is kept beside it as a backup,
 * and the new one replaces it by rename, so a crash leaves either file whole —
 * never a partial merge (seed 000: partial env blocks are the first onboarding failure).
 */
export function applyTelemetryEnv(
  path: string,
  variables: Record<string, string>,
  now = new Date(),
): { backup: string | undefined; changed: boolean } {
  const settings = readSettings(path);
  const env =
    settings.env && typeof settings.env === 'object' && !Array.isArray(settings.env)
      ? (settings.env as Record<string, unknown>)
      : {};
  const kept = Object.fromEntries(Object.entries(env).filter(([k]) => !isTelemetryKey(k)));
  return writeSettings(path, { ...settings, env: { ...kept, ...variables } }, now);
}

/**
 * Replaces settings.json with `next` as a whole: the old file is kept beside it as a
 * backup, and the new one replaces it by rename, so a crash leaves either file whole.
 * Every takt edit of the file (telemetry, hooks, status line) goes through here.
 * A file that already reads exactly `next` is left alone, with no backup (`changed: false`):
 * running `takt setup` again must not pile up copies of an unchanged file.
 * `keepBackup: false` is for a second edit in one run (the hooks after the telemetry of
 * `takt setup --local`): the file is then takt's own from a moment ago, and the first edit
 * already kept the one that was there before takt touched it — one backup per run.
 */
export function writeSettings(
  path: string,
  next: Record<string, unknown>,
  now = new Date(),
  keepBackup = true,
): { backup: string | undefined; changed: boolean } {
  path = linkTarget(path);
  const text = `${JSON.stringify(next, null, 2)}\n`;
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return { backup: undefined, changed: false };
  mkdirSync(dirname(path), { recursive: true });
  let backup: string | undefined;
  if (keepBackup && existsSync(path)) {
    const stamp = `${path}.takt-backup-${now.toISOString().replace(/[:.]/g, '-')}`;
    // Two edits in one millisecond (two commands at once) must not overwrite the first backup.
    backup = stamp;
    for (let n = 2; existsSync(backup); n++) backup = `${stamp}-${n}`;
    copyFileSync(path, backup);
  }
  const temp = `${path}.takt-${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  return { backup, changed: true };
}

/**
 * The file a symlinked settings.json points at (followed link by link, dangling ones too):
 * the rename then replaces the target and the link stays a link (issue 22.15; dotfile managers).
 */
function linkTarget(path: string): string {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let isLink = false;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      return current; // does not exist yet
    }
    if (!isLink) return current;
    current = resolve(dirname(current), readlinkSync(current));
  }
  throw new TaktError(
    'bad_request',
    `${path}: too many levels of symbolic links; fix the link first; takt changed nothing`,
  );
}

/** The telemetry settings Claude Code will start with: its own process environment, else settings.json's env block. */
export function currentTelemetryEnv(env: NodeJS.ProcessEnv, settingsPath: string): Record<string, string> {
  const fromFile: Record<string, string> = {};
  try {
    const s = readSettings(settingsPath);
    if (s.env && typeof s.env === 'object') {
      for (const [k, v] of Object.entries(s.env as Record<string, unknown>)) if (typeof v === 'string') fromFile[k] = v;
    }
  } catch {
    // An unreadable settings file is reported by `takt setup`; validate falls back to the environment.
  }
  const out: Record<string, string> = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (isTelemetryKey(k) && v !== undefined) out[k] = v;
  return out;
}

/** host.name from an OTEL_RESOURCE_ATTRIBUTES value (comma-separated key=value, values percent-encoded). */
export function hostNameOf(resourceAttributes: string | undefined): string | undefined {
  for (const pair of (resourceAttributes ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i > 0 && pair.slice(0, i).trim() === 'host.name') return decodeURIComponent(pair.slice(i + 1).trim());
  }
  return undefined;
}

/** The bearer token from an OTEL_EXPORTER_OTLP_HEADERS value. */
export function bearerOf(headers: string | undefined): string | undefined {
  for (const pair of (headers ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i > 0 && pair.slice(0, i).trim().toLowerCase() === 'authorization') {
      const m = /^Bearer\s+(.+)$/i.exec(decodeURIComponent(pair.slice(i + 1).trim()));
      if (m) return (m[1] as string).trim();
    }
  }
  return undefined;
}
