/**
 * The server's log: one line per event, `level message key=value …`, readable by a person
 * at a terminal and parseable by journald/grep (see docs/decisions.md for why not JSON or a
 * library). info and debug go to stdout, warn and error to stderr. Nothing secret is
 * printed: fields named like secrets are replaced, and bearer tokens, session cookies and
 * `password=…`-style pairs are cut out of every message, value and stack trace.
 */

export const logLevels = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof logLevels)[number];
type EventLevel = Exclude<LogLevel, 'silent'>;

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  /** Whether events of `level` are printed (to skip building costly fields). */
  enabled(level: EventLevel): boolean;
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

export interface LogSink {
  out(line: string): void;
  err(line: string): void;
}

const processSink: LogSink = {
  out: (line) => process.stdout.write(line),
  err: (line) => process.stderr.write(line),
};

export const REDACTED = '[redacted]';

export function createLogger(level: LogLevel, sink: LogSink = processSink): Logger {
  const rank = logLevels.indexOf(level);
  const enabled = (l: EventLevel) => logLevels.indexOf(l) <= rank;
  const emit = (l: EventLevel, message: string, fields: LogFields = {}) => {
    if (!enabled(l)) return;
    const line = formatLine(l, message, fields);
    if (l === 'error' || l === 'warn') sink.err(line);
    else sink.out(line);
  };
  return {
    level,
    enabled,
    error: (m, f) => emit('error', m, f),
    warn: (m, f) => emit('warn', m, f),
    info: (m, f) => emit('info', m, f),
    debug: (m, f) => emit('debug', m, f),
  };
}

/** For code that runs without a configured log (tests, library use). */
export const silentLogger: Logger = createLogger('silent');

export function formatLine(level: EventLevel, message: string, fields: LogFields): string {
  const parts = [level.padEnd(5), redactText(message)];
  let stack = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (value instanceof Error) {
      parts.push(`${key}=${quote(redactText(value.message))}`);
      // The stack on its own indented lines, as a person reads it.
      if (value.stack) stack += `\n${redactText(value.stack).replace(/^/gm, '    ')}`;
      continue;
    }
    parts.push(`${key}=${isSecretKey(key) ? REDACTED : quote(redactText(stringOf(value)))}`);
  }
  return `${parts.join(' ')}${stack}\n`;
}

const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'secret',
  'token',
  'bearer',
  'authorization',
  'cookie',
  'session',
  'csrf',
  'invite',
]);
const SECRET_SUFFIXES = /((user|device|resume|setup|invite|one_?time)_?code|api_?key)$/i;

/** password, current_password, invite_code, sessionId, csrf_token…, but not input_tokens. */
export function isSecretKey(key: string): boolean {
  if (SECRET_SUFFIXES.test(key)) return true;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w));
}

const TEXT_PATTERNS: [RegExp, string][] = [
  // Authorization: Bearer <token>, also inside OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer …
  [/\b(Bearer)\s+[^\s"',;]+/gi, `$1 ${REDACTED}`],
  // takt API tokens: the prefix is a public lookup id, the rest is the secret.
  [/\b(takt_[A-Za-z0-9]{12}_)[A-Za-z0-9_-]+/g, `$1${REDACTED}`],
  // The session cookie (Cookie / Set-Cookie headers).
  [/\b(takt_session=)[^;\s"',]+/g, `$1${REDACTED}`],
  // "password": "…", password=…, invite_code: … in JSON, forms, query strings and prose.
  [
    /((?:["']?)\b(?:current_password|new_password|password|passwd|secret|token|csrf_token|invite_code|setup_code|user_code|device_code|resume_code|session_id)["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&}"']+)/gi,
    `$1${REDACTED}`,
  ],
];

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value, (k, v) => (k !== '' && isSecretKey(k) ? REDACTED : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Bare when it has no space, quote or '='; JSON-quoted otherwise (one event stays one line). */
function quote(text: string): string {
  return text !== '' && /^[^\s"=\\]+$/.test(text) ? text : JSON.stringify(text);
}
