import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicMock, startAnthropicMock } from './support/anthropic-mock.ts';
import { claudeAvailable, runClaudeCode } from './support/run-claude-code.ts';

/**
 * The real Claude Code (2.1.330), signed in as a subscriber, hits its 5-hour limit (the
 * mock answers 429 with Anthropic's unified rate-limit headers) and writes the hit into its
 * transcript; `takt watch --offline` finds it there, with the window and the reset.
 */
const run = promisify(execFile);
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'takt-hit-'));
let mock: AnthropicMock;

beforeAll(async () => {
  expect(claudeAvailable).toBe(true);
  mock = await startAnthropicMock();
});
afterAll(async () => {
  await mock?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a limit hit written by the real Claude Code', () => {
  it('is found in the transcript by takt watch --offline', async () => {
    const home = join(scratch, 'home');
    const cwd = join(scratch, 'project');
    mkdirSync(home, { recursive: true });
    mkdirSync(cwd, { recursive: true });
    const claude = await runClaudeCode({
      prompt: 'please hit the limit',
      home,
      cwd,
      anthropicUrl: mock.url,
      env: {},
      oauth: true,
    });
    expect([claude.result.is_error, mock.rateLimited > 0]).toEqual([true, true]);

    const watched = await run(process.execPath, [main, 'watch', '--offline', '--once', '--json'], {
      env: { ...process.env, HOME: home, TAKT_HOME: join(scratch, 'takt'), CLAUDE_CONFIG_DIR: '' },
    });
    const events = watched.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; window: string; resets_at: string });
    expect(events.map((e) => [e.type, e.window, e.resets_at])).toEqual([
      ['USAGE_LIMIT_HIT', 'five_hour', new Date(mock.limitResetsAt * 1000).toISOString()],
    ]);
  }, 120_000);
});
