import { createHash } from 'node:crypto';
import { TaktError } from '../lib/errors.ts';
import { requestJson } from '../lib/server-client.ts';
import { readClaudeAiSession } from './claude-ai-session.ts';
import { claudeJsonPath, readClaudeJson, signedInAccountUuid } from './claude-json.ts';
import { fetchUsageAnswer } from './fetch-usage-answer.ts';
import { readOAuthToken } from './oauth-credentials.ts';
import { type CacheEntry, MIN_INTERVAL_MS, readCache, retryAfterUntil, updateCache } from './official-usage-cache.ts';
import { type OfficialWindow, parseUsageAnswer, readTime } from './parse-official-usage.ts';

/**
 * Official utilisation from one of three places (opt-in: `takt usage official`, or a
 * long-running process through pollOfficialUsage):
 * - `oauth`: Claude Code's own usage endpoint, with its OAuth token;
 * - `claude_ai`: claude.ai's organisation usage endpoint, with a sessionKey (seed 004);
 * - `claude_json`: the answer Claude Code cached in ~/.claude.json (free, possibly stale).
 * The two endpoints are called at most once per account per three minutes, and not before
 * a 429's Retry-After: inside that time the cached answer is returned, saying so.
 */
export type OfficialSource = 'oauth' | 'claude_ai' | 'claude_json';

export interface OfficialReading {
  source: OfficialSource;
  /** The Claude account (or claude.ai organisation) the figures are about, when known. */
  account_uuid: string | null;
  /** When Anthropic produced the answer, epoch ms. */
  fetched_at: number;
  answer: unknown;
  windows: OfficialWindow[];
  /** True when no call was made (the three-minute rule or a Retry-After). */
  from_cache: boolean;
  notes: string[];
}

export interface ReadOfficialOptions {
  source: OfficialSource;
  env: NodeJS.ProcessEnv;
  home: string;
  now: number;
  /** claude_ai: the file holding the sessionKey, and the organisation (else the file's, else the first one). */
  sessionKeyFile?: string;
  org?: string;
  /** `--debug`: each step, one line each (URLs, HTTP statuses, answers; never a credential). */
  debug?: (line: string) => void;
}

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_CLAUDE_AI_BASE_URL = 'https://claude.ai';

export async function readOfficialUsage(o: ReadOfficialOptions): Promise<OfficialReading> {
  switch (o.source) {
    case 'oauth':
      return readOAuthUsage(o);
    case 'claude_ai':
      return readClaudeAiUsage(o);
    case 'claude_json':
      return readClaudeJsonUsage(o);
    default:
      return o.source satisfies never;
  }
}

async function readOAuthUsage(o: ReadOfficialOptions): Promise<OfficialReading> {
  const token = readOAuthToken(o.env, o.now);
  const claudeJson = readClaudeJson(o.env);
  const cached = claudeJson?.cachedUsageUtilization as { accountUuid?: unknown } | undefined;
  const account =
    signedInAccountUuid(claudeJson) ?? (typeof cached?.accountUuid === 'string' ? cached.accountUuid : null);
  // Without a known account, the token stands for it (hashed: the cache file holds no secret).
  const key = `oauth:${account ?? `token-${createHash('sha256').update(token).digest('hex').slice(0, 16)}`}`;
  const base = (o.env.TAKT_ANTHROPIC_BASE_URL ?? DEFAULT_ANTHROPIC_BASE_URL).replace(/\/+$/, '');
  return callThrottled(o, key, 'oauth', account, () =>
    fetchUsageAnswer(
      `${base}/api/oauth/usage`,
      { authorization: `Bearer ${token}`, 'anthropic-beta': 'oauth-2025-04-20' },
      {
        name: 'the OAuth usage endpoint',
        onUnauthorized:
          "Claude Code's sign-in token is expired or revoked — start Claude Code once (it renews its own token; takt does not), then try again",
      },
      o.debug,
    ),
  );
}

async function readClaudeAiUsage(o: ReadOfficialOptions): Promise<OfficialReading> {
  if (!o.sessionKeyFile)
    throw new TaktError('bad_request', 'claude.ai needs a sessionKey file: pass --session-key-file PATH');
  const session = readClaudeAiSession(o.sessionKeyFile);
  const base = (o.env.TAKT_CLAUDE_AI_BASE_URL ?? DEFAULT_CLAUDE_AI_BASE_URL).replace(/\/+$/, '');
  const headers = { cookie: `sessionKey=${session.sessionKey}` };
  const refused = `claude.ai refused the sessionKey (expired, or blocked as automated): sign in on claude.ai and copy a fresh sessionKey cookie into ${session.file}`;
  o.debug?.(`sessionKey: from ${session.file}`);
  const org =
    o.org ?? session.org ?? o.env.TAKT_CLAUDE_AI_ORG ?? (await firstOrganization(base, headers, refused, o.debug));
  if (!/^[A-Za-z0-9-]{1,100}$/.test(org))
    throw new TaktError('bad_request', `'${org}' is not an organisation id (a UUID)`);
  return callThrottled(o, `claude_ai:${org}`, 'claude_ai', org, () =>
    fetchUsageAnswer(
      `${base}/api/organizations/${org}/usage`,
      headers,
      { name: 'claude.ai', onUnauthorized: refused },
      o.debug,
    ),
  );
}

/** The organisation to ask about when none is given: the first the sessionKey belongs to. */
async function firstOrganization(
  base: string,
  headers: Record<string, string>,
  refused: string,
  debug: ((line: string) => void) | undefined,
): Promise<string> {
  let r: Response;
  debug?.(`Fetching: ${base}/api/organizations (no --org given: the first organization)`);
  try {
    r = await fetch(`${base}/api/organizations`, { headers, signal: AbortSignal.timeout(15_000), redirect: 'manual' });
  } catch (error) {
    throw new TaktError('unavailable', `cannot reach claude.ai (${(error as Error).message}): check the network`);
  }
  debug?.(`HTTP ${r.status}`);
  if (r.status === 401 || r.status === 403) throw new TaktError('unauthenticated', refused);
  const list = (await r.json().catch(() => null)) as { uuid?: unknown }[] | null;
  const uuid = Array.isArray(list) ? list.find((x) => typeof x?.uuid === 'string')?.uuid : undefined;
  if (typeof uuid !== 'string') {
    throw new TaktError(
      'unavailable',
      'claude.ai did not list your organisations: pass --org ID (from claude.ai/settings/usage, see docs/operations.md)',
    );
  }
  return uuid;
}

async function callThrottled(
  o: ReadOfficialOptions,
  key: string,
  source: 'oauth' | 'claude_ai',
  account: string | null,
  call: () => ReturnType<typeof fetchUsageAnswer>,
): Promise<OfficialReading> {
  const entry: CacheEntry = readCache(o.home)[key] ?? {};
  const fromCache = (note: string): OfficialReading | undefined => {
    const last = entry.last;
    if (!last) return undefined;
    const parsed = parseUsageAnswer(last.answer);
    o.debug?.(`Not fetching: ${note}`);
    return {
      source,
      account_uuid: last.account_uuid,
      fetched_at: last.fetched_at,
      answer: last.answer,
      windows: parsed.windows,
      from_cache: true,
      notes: [note],
    };
  };
  const waitUntil = entry.retry_after_until ?? 0;
  if (waitUntil > o.now) {
    const note = `Anthropic asked takt to wait until ${new Date(waitUntil).toISOString()} (429 Retry-After)`;
    const cached = fromCache(`${note}: this is the answer of ${new Date(entry.last?.fetched_at ?? 0).toISOString()}`);
    if (cached) return cached;
    throw new TaktError('rate_limited', `${note}: try again after that`, {
      retry_at: new Date(waitUntil).toISOString(),
    });
  }
  if (entry.last && o.now - entry.last.fetched_at < MIN_INTERVAL_MS) {
    const cached = fromCache(
      `asked less than ${MIN_INTERVAL_MS / 60_000} minutes ago: this is the answer of ${new Date(entry.last.fetched_at).toISOString()}`,
    );
    if (cached) return cached;
  }
  const r = await call();
  if (r.kind === 'rate_limited') {
    const until = retryAfterUntil(r.retryAfter, o.now);
    updateCache(o.home, key, (e) => ({ ...e, retry_after_until: until }));
    const note = `Anthropic answered 429: no call before ${new Date(until).toISOString()}`;
    const cached = fromCache(`${note}; this is the answer of ${new Date(entry.last?.fetched_at ?? 0).toISOString()}`);
    if (cached) return cached;
    throw new TaktError('rate_limited', `${note}: try again after that`, { retry_at: new Date(until).toISOString() });
  }
  const last = { source, fetched_at: o.now, answer: r.answer, account_uuid: account };
  updateCache(o.home, key, () => ({ last }));
  return {
    source,
    account_uuid: account,
    fetched_at: o.now,
    answer: r.answer,
    windows: parseUsageAnswer(r.answer).windows,
    from_cache: false,
    notes: [],
  };
}

function readClaudeJsonUsage(o: ReadOfficialOptions): OfficialReading {
  o.debug?.(`Reading: ${claudeJsonPath(o.env)} (cachedUsageUtilization)`);
  const claudeJson = readClaudeJson(o.env);
  const cached = claudeJson?.cachedUsageUtilization as
    | { fetchedAtMs?: unknown; accountUuid?: unknown; utilization?: unknown }
    | undefined;
  if (!cached || cached.utilization === undefined) {
    throw new TaktError(
      'not_found',
      `${claudeJsonPath(o.env)} holds no cached usage yet: run /usage in Claude Code once, or use --source oauth`,
    );
  }
  const fetchedAt = readTime(cached.fetchedAtMs);
  const parsed = parseUsageAnswer(cached.utilization);
  if (fetchedAt === undefined || parsed.errors.length > 0 || parsed.windows.length === 0) {
    throw new TaktError(
      'unavailable',
      `the cached usage in ${claudeJsonPath(o.env)} cannot be read (${parsed.errors[0] ?? (fetchedAt === undefined ? 'no fetchedAtMs' : 'no usage window in it')}): use --source oauth`,
    );
  }
  const account =
    typeof cached.accountUuid === 'string' ? cached.accountUuid : (signedInAccountUuid(claudeJson) ?? null);
  return {
    source: 'claude_json',
    account_uuid: account,
    fetched_at: fetchedAt,
    answer: cached.utilization,
    windows: parsed.windows,
    from_cache: true,
    notes: [`Claude Code cached this ${age(o.now - fetchedAt)} ago; it may be stale`],
  };
}

/** "3 minutes", "2 hours", "4 days": how old a figure is, in words. */
export function age(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return 'less than a minute';
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}

/** POST /api/official-usage: one observation of the reading, as the limits API takes it. */
export async function postOfficialReading(
  reading: OfficialReading,
  access: { server: string; token: string },
  options: { accountUuid?: string } = {},
): Promise<{ status: number; body: unknown }> {
  // An organisation id is not an account id: claude.ai readings leave the account to the
  // server unless the person names it (takt usage official --account).
  const account = options.accountUuid ?? (reading.source !== 'claude_ai' ? reading.account_uuid : null);
  const body = {
    source: reading.source,
    captured_at: new Date(reading.fetched_at).toISOString(),
    ...(account ? { account_uuid: account } : {}),
    // The server tells the account from the organization when the person has one there.
    ...(!account && reading.source === 'claude_ai' && reading.account_uuid
      ? { organization_id: reading.account_uuid }
      : {}),
    usage: reading.answer,
  };
  return requestJson({ server: access.server, path: '/api/official-usage', method: 'POST', body, token: access.token });
}

/**
 * For a long-running process (`takt sync --watch`): reads every `intervalMs` (never more
 * often than the three-minute rule lets a call through) and hands each reading or error
 * to the caller. The timer does not keep the process alive; `stop()` ends it.
 */
export function pollOfficialUsage(
  options: Omit<ReadOfficialOptions, 'now'> & {
    intervalMs?: number;
    onReading: (reading: OfficialReading) => void | Promise<void>;
    onError: (error: unknown) => void;
  },
): { stop(): void } {
  const tick = async () => {
    try {
      const reading = await readOfficialUsage({ ...options, now: Date.now() });
      if (!reading.from_cache || reading.source === 'claude_json') await options.onReading(reading);
    } catch (error) {
      options.onError(error);
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), Math.max(MIN_INTERVAL_MS, options.intervalMs ?? MIN_INTERVAL_MS));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
