import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The real Claude Code CLI, pinned in package.json's optionalDependencies (a native binary). */
export const claudeCodeBinary = join(
  import.meta.dirname,
  '..',
  '..',
  'node_modules',
  '@anthropic-ai',
  'claude-code-linux-x64',
  'claude',
);
export const claudeCodeAvailable = existsSync(claudeCodeBinary);
export const claudeCodeModel = 'claude-sonnet-4-5-20250929';

/** One model's line in the result's `modelUsage`. */
export interface ClaudeModelUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  webSearchRequests: number;
  costUSD: number;
  contextWindow: number;
  maxOutputTokens?: number;
}

/** What `claude -p … --output-format json` prints on stdout (the fields tests read; more exist). */
export interface ClaudeCodeResult {
  type: 'result';
  subtype: string;
  is_error: boolean;
  duration_ms: number;
  duration_api_ms: number;
  num_turns: number;
  result: string;
  session_id: string;
  total_cost_usd: number;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens: number;
    cache_creation_input_tokens: number;
    cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
    [key: string]: unknown;
  };
  modelUsage: Record<string, ClaudeModelUsage>;
  [key: string]: unknown;
}

export interface ClaudeCodeRun {
  /** null when the process was killed (see `timedOut`). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The parsed JSON result, or undefined when stdout held none. */
  result: ClaudeCodeResult | undefined;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface ClaudeCodeOptions {
  prompt: string;
  /** Base URL of the (mock) Anthropic API. */
  anthropicUrl: string;
  /** Scratch HOME; reuse it (with the same cwd) for `--continue`. A temp dir, removed afterwards, when omitted. */
  home?: string;
  /** Working directory (the project); defaults to `home`. */
  cwd?: string;
  /** Extra environment, e.g. from `telemetryEnv`. */
  env?: Record<string, string>;
  /** Extra CLI arguments, e.g. `['--continue']`, `['--allowedTools', 'Bash']`. */
  args?: string[];
  /** Hard limit: the process group is SIGKILLed after this. */
  timeoutMs?: number;
  /**
   * Log in as a Claude subscription account instead of an API key: writes `oauthAccount`
   * to `~/.claude.json` and sets a (fake) `CLAUDE_CODE_OAUTH_TOKEN`. Only then does the
   * CLI add `user.account_uuid`, `organization.id`, `user.email` (and `user.account_id`)
   * to its telemetry.
   */
  account?: ClaudeAccount;
}

/** The `oauthAccount` block Claude Code keeps in `~/.claude.json` after a login. */
export interface ClaudeAccount {
  accountUuid: string;
  emailAddress: string;
  organizationUuid: string;
}

/** The OTLP settings a user sets for Claude Code (plus short export intervals for tests). */
export function telemetryEnv(options: {
  protocol: 'http/json' | 'http/protobuf' | 'grpc';
  /** `http://host:port` — for grpc too. */
  endpoint: string;
  token?: string;
  hostName?: string;
  gzip?: boolean;
  cumulative?: boolean;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: options.protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: options.endpoint,
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    OTEL_LOGS_EXPORT_INTERVAL: '1000',
    ...(options.token ? { OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${options.token}` } : {}),
    ...(options.hostName ? { OTEL_RESOURCE_ATTRIBUTES: `host.name=${options.hostName}` } : {}),
    ...(options.gzip ? { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' } : {}),
    ...(options.cumulative ? { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'cumulative' } : {}),
    ...options.extra,
  };
}

function parseResult(stdout: string): ClaudeCodeResult | undefined {
  const start = stdout.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(stdout.slice(start)) as ClaudeCodeResult;
  } catch {
    return undefined;
  }
}

/**
 * Runs the CLI headless (`-p … --output-format json`) with a scratch HOME against the
 * mock API and waits for the process to exit: Claude Code prints its result before it
 * flushes telemetry, so the exit is what says every export has been attempted.
 */
export function runClaudeCode(options: ClaudeCodeOptions): Promise<ClaudeCodeRun> {
  const ownHome = options.home === undefined ? mkdtempSync(join(tmpdir(), 'takt-claude-home-')) : undefined;
  const home = options.home ?? ownHome ?? '';
  // Written once per HOME: the CLI keeps its own state in the same file.
  if (options.account && !existsSync(join(home, '.claude.json'))) {
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ oauthAccount: options.account }));
  }
  const credentials: Record<string, string> = options.account
    ? { CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-takt-test-not-a-real-token' }
    : { ANTHROPIC_API_KEY: 'sk-ant-api03-takt-test-not-a-real-key' };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    ANTHROPIC_BASE_URL: options.anthropicUrl,
    ...credentials,
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // Running as root, tools are only allowed without prompts in a declared sandbox.
    IS_SANDBOX: '1',
    ...options.env,
  };
  const args = ['-p', options.prompt, '--output-format', 'json', '--model', claudeCodeModel, ...(options.args ?? [])];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout also kills whatever a tool started.
    const child = spawn(claudeCodeBinary, args, {
      cwd: options.cwd ?? home,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs ?? 90_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      if (ownHome) rmSync(ownHome, { recursive: true, force: true });
      const out = Buffer.concat(stdout).toString('utf8');
      resolve({
        exitCode,
        signal,
        timedOut,
        result: parseResult(out),
        stdout: out,
        stderr: Buffer.concat(stderr).toString('utf8'),
        durationMs: Date.now() - started,
      });
    });
  });
}

/** A result's per-model usage summed into /api/usage's field names. */
export function usageOfResult(result: ClaudeCodeResult): {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  cost_usd: number;
} {
  const t = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0, cost_usd: 0 };
  for (const m of Object.values(result.modelUsage)) {
    t.input_tokens += m.inputTokens;
    t.output_tokens += m.outputTokens;
    t.cache_read_tokens += m.cacheReadInputTokens;
    t.cache_creation_tokens += m.cacheCreationInputTokens;
    t.cost_usd += m.costUSD;
  }
  return t;
}
