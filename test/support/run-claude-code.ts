import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The real Claude Code CLI, pinned in package.json (a native binary). */
export const claudeBinary = join(
  import.meta.dirname,
  '..',
  '..',
  'node_modules',
  '@anthropic-ai',
  'claude-code-linux-x64',
  'claude',
);

export const claudeAvailable = existsSync(claudeBinary);

/** What `claude -p … --output-format json` prints. */
export interface ClaudeResult {
  session_id: string;
  total_cost_usd: number;
  is_error: boolean;
  num_turns: number;
  modelUsage: Record<
    string,
    {
      inputTokens: number;
      outputTokens: number;
      cacheReadInputTokens: number;
      cacheCreationInputTokens: number;
      costUSD: number;
    }
  >;
}

export interface ClaudeRun {
  exitCode: number | null;
  result: ClaudeResult;
  stderr: string;
}

/**
 * Runs the CLI headless with a scratch HOME against the mock API, exporting
 * telemetry as `env` says. Waits for the process to exit: Claude Code prints its
 * result before it flushes telemetry.
 */
export function runClaudeCode(options: {
  prompt: string;
  home: string;
  cwd: string;
  anthropicUrl: string;
  env: Record<string, string>;
  args?: string[];
  timeoutMs?: number;
  /** Sign in as a Claude subscriber (an OAuth token) instead of with an API key: plan limits then apply. */
  oauth?: boolean;
}): Promise<ClaudeRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    ANTHROPIC_BASE_URL: options.anthropicUrl,
    ...(options.oauth
      ? { CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-test-not-a-real-token' }
      : { ANTHROPIC_API_KEY: 'sk-ant-test-not-a-real-key' }),
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    IS_SANDBOX: '1',
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    execFile(
      claudeBinary,
      [
        '-p',
        options.prompt,
        '--output-format',
        'json',
        '--model',
        'claude-sonnet-4-5-20250929',
        ...(options.args ?? []),
      ],
      { env, cwd: options.cwd, timeout: options.timeoutMs ?? 90_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const text = stdout.toString();
        const start = text.indexOf('{');
        if (start < 0) {
          reject(
            new Error(
              `claude printed no result (${error?.message ?? 'no error'}): ${stderr.toString().slice(0, 2000)}`,
            ),
          );
          return;
        }
        resolve({
          exitCode: error ? ((error as { code?: number }).code ?? null) : 0,
          result: JSON.parse(text.slice(start)) as ClaudeResult,
          stderr: stderr.toString(),
        });
      },
    );
  });
}

/** Sums a result's per-model usage into /api/usage's field names. */
export function usageOfResult(results: ClaudeResult[]) {
  const t = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0, cost_usd: 0 };
  for (const r of results) {
    for (const m of Object.values(r.modelUsage)) {
      t.input_tokens += m.inputTokens;
      t.output_tokens += m.outputTokens;
      t.cache_read_tokens += m.cacheReadInputTokens;
      t.cache_creation_tokens += m.cacheCreationInputTokens;
      t.cost_usd += m.costUSD;
    }
  }
  return t;
}
