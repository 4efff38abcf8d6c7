import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { loadShippedPriceTable } from '../src/pricing/price-table.ts';
import { assistant, claudeDir, jsonl } from './support/transcript-lines.ts';

/**
 * `takt report`, `takt pricing` and `takt statusline` as a user runs them: the built CLI,
 * a scratch HOME and TAKT_HOME, transcripts in a scratch CLAUDE_CONFIG_DIR.
 *
 * The fixture, with costs worked out by hand from the shipped price table:
 *   proj-alpha/s1  msg_1 sonnet-4-5 2026-11-20 09:30Z  in 1,000 out 500 (streamed: 100 first) $0.0105
 *                  msg_2 sonnet-4-5 2026-11-20 23:30Z  in 2,000 out 1,000                     $0.021
 *   proj-beta/s2   msg_3 haiku-4-5   2026-11-21 10:00Z  in 100 out 100, 1h cache write 1,000   $0.0026
 *                  msg_4 mystery-9   2026-11-21 11:00Z  in 50 out 50                          unknown
 */

const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs'); // the package's bin
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function fixture() {
  const root = claudeDir({
    'proj-alpha/s1.jsonl': jsonl(
      assistant({ id: 'msg_1', session: 's1', at: '2026-11-20T09:30:00.000Z', input: 1000, output: 100 }),
      assistant({ id: 'msg_1', session: 's1', at: '2026-11-20T09:30:00.000Z', input: 1000, output: 500 }),
      assistant({ id: 'msg_2', session: 's1', at: '2026-11-20T23:30:00.000Z', input: 2000, output: 1000 }),
    ),
    'proj-beta/s2.jsonl': jsonl(
      assistant({
        id: 'msg_3',
        session: 's2',
        model: 'claude-haiku-4-5-20251001',
        at: '2026-11-21T10:00:00.000Z',
        input: 100,
        output: 100,
        cacheWrite1h: 1000,
      }),
      assistant({
        id: 'msg_4',
        session: 's2',
        model: 'claude-mystery-9',
        at: '2026-11-21T11:00:00.000Z',
        input: 50,
        output: 50,
      }),
    ),
  });
  const home = mkdtempSync(join(tmpdir(), 'takt-cli-home-'));
  scratch.push(root, home);
  return { root, home };
}

function takt(env: { root: string; home: string }, args: string[], input?: string) {
  const r = spawnSync(process.execPath, [main, ...args], {
    input,
    encoding: 'utf8',
    timeout: 20_000,
    env: {
      PATH: process.env.PATH,
      HOME: env.home,
      TAKT_HOME: join(env.home, 'takt'),
      CLAUDE_CONFIG_DIR: env.root,
      TZ: 'UTC',
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = (r: { stdout: string }) => JSON.parse(r.stdout);
const pick = (rows: Array<Record<string, unknown>>, ...keys: string[]) =>
  rows.map((row) => Object.fromEntries(keys.map((k) => [k, row[k]])));

describe('takt report', () => {
  const env = fixture();

  it('daily --json: the documented schema, each response once, costs per response, unknown models named', () => {
    const r = json(takt(env, ['report', 'daily', '--json']));
    expect(r).toMatchObject({ schema: 'takt.report/2', report: 'daily', timezone: 'UTC', skipped_lines: 0 });
    expect(
      pick(
        r.rows,
        'date',
        'input_tokens',
        'output_tokens',
        'cost_usd',
        'list_cost_usd',
        'unpriced_models',
        'responses',
      ),
    ).toEqual([
      {
        date: '2026-11-20',
        input_tokens: 3000,
        output_tokens: 1500,
        cost_usd: null,
        list_cost_usd: 0.0315,
        unpriced_models: [],
        responses: 2,
      },
      {
        date: '2026-11-21',
        input_tokens: 150,
        output_tokens: 150,
        cost_usd: null,
        list_cost_usd: 0.0026,
        unpriced_models: ['claude-mystery-9'],
        responses: 2,
      },
    ]);
    expect(r.totals).toMatchObject({
      input_tokens: 3150,
      output_tokens: 1650,
      cache_creation_tokens: 1000,
      cache_creation_1h_tokens: 1000,
      cache_creation_5m_tokens: 0,
      total_tokens: 5800,
      cost_usd: null,
      list_cost_usd: 0.0341,
      unpriced_models: ['claude-mystery-9'],
      responses: 4,
    });
  });

  it("--csv: RFC 4180 read back with csv-parse, the export's columns, exact tokens per period and model", () => {
    const r = takt(env, ['report', 'daily', '--csv', '--breakdown']);
    expect(r.code).toBe(0);
    const rows = parse(r.stdout, { columns: true });
    expect(rows).toEqual([
      {
        time: '2026-11-20',
        session: '',
        model: 'claude-sonnet-4-5-20250929',
        input_tokens: '3000',
        output_tokens: '1500',
        cache_read_tokens: '0',
        cache_creation_tokens: '0',
        cost_usd: '',
        list_cost_usd: '0.0315',
        source: 'transcript',
      },
      {
        time: '2026-11-21',
        session: '',
        model: 'claude-haiku-4-5-20251001',
        input_tokens: '100',
        output_tokens: '100',
        cache_read_tokens: '0',
        cache_creation_tokens: '1000',
        cost_usd: '',
        list_cost_usd: '0.0026',
        source: 'transcript',
      },
      {
        time: '2026-11-21',
        session: '',
        model: 'claude-mystery-9',
        input_tokens: '50',
        output_tokens: '50',
        cache_read_tokens: '0',
        cache_creation_tokens: '0',
        cost_usd: '',
        list_cost_usd: '',
        source: 'transcript',
      },
    ]);
    const sessions: Record<string, string>[] = parse(takt(env, ['report', 'session', '--csv']).stdout, {
      columns: true,
    });
    expect(sessions.map((s) => [s.time, s.session, s.input_tokens])).toEqual([
      ['2026-11-20T09:30:00.000Z', 's1', '3000'],
      ['2026-11-21T10:00:00.000Z', 's2', '150'],
    ]);
    expect(takt(env, ['report', 'daily', '--csv', '--json']).code).toBe(2);
  });

  it('--breakdown gives per-model rows, an unknown model with list cost null', () => {
    const r = json(takt(env, ['report', 'daily', '--json', '--breakdown', '--since', '2026-11-21']));
    expect(
      r.rows.map((row: { breakdown: Array<Record<string, unknown>> }) =>
        pick(row.breakdown, 'model', 'cost_usd', 'list_cost_usd'),
      ),
    ).toEqual([
      [
        { model: 'claude-haiku-4-5-20251001', cost_usd: null, list_cost_usd: 0.0026 },
        { model: 'claude-mystery-9', cost_usd: null, list_cost_usd: null },
      ],
    ]);
  });

  it('--timezone moves responses to their local day; --since/--until select local days', () => {
    const berlin = json(takt(env, ['report', 'daily', '--json', '--timezone', 'Europe/Berlin']));
    expect(pick(berlin.rows, 'date', 'input_tokens')).toEqual([
      { date: '2026-11-20', input_tokens: 1000 },
      { date: '2026-11-21', input_tokens: 2150 },
    ]);
    const one = json(takt(env, ['report', 'daily', '--json', '--since', '2026-11-20', '--until', '20261120']));
    expect(pick(one.rows, 'date', 'input_tokens')).toEqual([{ date: '2026-11-20', input_tokens: 3000 }]);
  });

  it('weekly, monthly and session reports; --project filters by project directory', () => {
    expect(pick(json(takt(env, ['report', 'weekly', '--json'])).rows, 'week', 'total_tokens')).toEqual([
      { week: '2026-11-16', total_tokens: 5800 },
    ]);
    expect(pick(json(takt(env, ['report', 'weekly', '--json', '--week-start', 'saturday'])).rows, 'week')).toEqual([
      { week: '2026-11-14' },
      { week: '2026-11-21' },
    ]);
    expect(pick(json(takt(env, ['report', 'monthly', '--json'])).rows, 'month', 'total_tokens')).toEqual([
      { month: '2026-11', total_tokens: 5800 },
    ]);
    expect(pick(json(takt(env, ['report', 'session', '--json'])).rows, 'session_id', 'project', 'responses')).toEqual([
      { session_id: 's1', project: 'proj-alpha', responses: 2 },
      { session_id: 's2', project: 'proj-beta', responses: 2 },
    ]);
    expect(pick(json(takt(env, ['report', 'session', '--json', '--project', 'BETA'])).rows, 'session_id')).toEqual([
      { session_id: 's2' },
    ]);
  });

  it('blocks: 5-hour windows from the first activity floored to the hour; the active one with burn rate, projection and limit', () => {
    const r = json(takt(env, ['report', 'blocks', '--json', '--now', '2026-11-21T12:00:00Z', '--token-limit', '1000']));
    expect(pick(r.rows, 'start', 'end', 'is_active', 'total_tokens')).toEqual([
      { start: '2026-11-20T09:00:00.000Z', end: '2026-11-20T14:00:00.000Z', is_active: false, total_tokens: 1500 },
      { start: '2026-11-20T23:00:00.000Z', end: '2026-11-21T04:00:00.000Z', is_active: false, total_tokens: 3000 },
      { start: '2026-11-21T10:00:00.000Z', end: '2026-11-21T15:00:00.000Z', is_active: true, total_tokens: 1300 },
    ]);
    const active = r.rows[2];
    // 1,300 tokens between 10:00 and 11:00: 21.7 per minute (shown rounded); 180 minutes left at that rate
    expect(active.burn_rate.tokens_per_minute).toBe(22);
    // $0.0026 over the 60 minutes between first and last activity: $0.0026 an hour, 3 hours left
    expect(active.burn_rate.list_cost_per_hour_usd).toBe(0.0026);
    expect(active.projection).toEqual({ total_tokens: 5200, list_cost_usd: 0.0104, remaining_minutes: 180 });
    expect(active.token_limit).toMatchObject({ limit: 1000, used_percentage: 130, exceeded: true });
  });

  it('prints a readable table on a terminal and explains unknown costs', () => {
    const r = takt(env, ['report', 'daily']);
    expect(r.stdout).toContain('2026-11-20');
    expect(r.stdout).toMatch(/Total\s+3,150\s+1,650\s+1,000\s+0\s+5,800\s+\$0\.03\+\?\n/);
    // No line records Claude Code's own cost: one cost column, named for what it is.
    expect(r.stdout).toMatch(/Total\s+List price\n/);
    expect(r.stdout).toContain('cost unknown for claude-mystery-9');
  });

  it('session: a long project folder keeps its end, cut where a path part begins, marked …', () => {
    const long = claudeDir({
      '-home-dev-code-velhan-infra-dev/s9.jsonl': jsonl(
        assistant({ id: 'msg_9', session: 's9abcdef-1', at: '2026-11-20T09:30:00.000Z', input: 10, output: 5 }),
      ),
    });
    const home = mkdtempSync(join(tmpdir(), 'takt-cli-home-'));
    scratch.push(long, home);
    const lines = takt({ root: long, home }, ['report', 'session']).stdout.split('\n');
    expect(lines[2]?.split('  ')[0]).toBe('…dev-code-velhan-infra-dev s9abcdef');
  });

  it('shows blocks in the report time zone', () => {
    const r = takt(env, ['report', 'blocks', '--timezone', 'Europe/Berlin', '--now', '2026-11-21T12:00:00Z']);
    expect(r.stdout).toMatch(/^2026-11-21 11:00 \(active\) /m);
    expect(r.stdout).toContain('Active block (estimated): ends 16:00 (Europe/Berlin)');
  });

  it('ends quietly when the reader of its output goes away (`| head`), exit code unchanged', async () => {
    // A reader that reads one chunk and closes: the report (a few kB of JSON per write) meets a
    // closed pipe part-way, and again at the line about skipped lines.
    const child = spawn(process.execPath, [main, 'report', 'session', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, HOME: env.home, TAKT_HOME: join(env.home, 'takt'), CLAUDE_CONFIG_DIR: env.root },
    });
    child.stdout.destroy(); // closed before the child writes its first byte
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('rejects bad options with a message that says what to fix', () => {
    expect(takt(env, ['report', 'daily', '--since', '2026-13-01'])).toMatchObject({
      code: 2,
      stderr: "takt report: --since must be a date YYYY-MM-DD (got '2026-13-01')\n",
    });
    expect(takt(env, ['report', 'daily', '--timezone', 'Mars/Olympus']).stderr).toMatch(/Mars\/Olympus/);
    expect(takt(env, ['report', 'hourly']).code).toBe(2);
  });

  it('skips and counts a cut-off line; --debug names it', () => {
    const broken = fixture();
    appendFileSync(
      join(broken.root, 'projects', 'proj-alpha/s1.jsonl'),
      `${JSON.stringify(assistant({ id: 'msg_x', input: 7, output: 7 })).slice(0, -60)}\n`,
    );
    const r = takt(broken, ['report', 'daily', '--json', '--debug']);
    expect(json(r)).toMatchObject({ skipped_lines: 1, totals: { input_tokens: 3150 } });
    expect(r.stderr).toMatch(/^skipped .*proj-alpha\/s1\.jsonl @\d+: cut off or unbalanced JSON$/m);
  });
});

describe("takt report: Claude Code's own cost (costUSD) beside the list price", () => {
  /**
   *   proj-old/s3  msg_5 sonnet-4-5 2026-11-20 09:30Z in 1,000 out 500, streamed (costUSD 0.002, then 0.0123)
   *                msg_6 sonnet-4-5 2026-11-20 10:00Z in 2,000 out 1,000, costUSD 0.025
   *                list: 0.0105 + 0.021 = 0.0315; reported: 0.0123 (the larger copy) + 0.025 = 0.0373
   *   proj-new/s4  msg_7 haiku-4-5  2026-11-21 10:00Z in 100 out 100, no costUSD; list 0.0006
   */
  const root = claudeDir({
    'proj-old/s3.jsonl': jsonl(
      assistant({
        id: 'msg_5',
        session: 's3',
        at: '2026-11-20T09:30:00.000Z',
        input: 1000,
        output: 100,
        costUSD: 0.002,
      }),
      assistant({
        id: 'msg_5',
        session: 's3',
        at: '2026-11-20T09:30:00.000Z',
        input: 1000,
        output: 500,
        costUSD: 0.0123,
      }),
      assistant({
        id: 'msg_6',
        session: 's3',
        at: '2026-11-20T10:00:00.000Z',
        input: 2000,
        output: 1000,
        costUSD: 0.025,
      }),
    ),
    'proj-new/s4.jsonl': jsonl(
      assistant({
        id: 'msg_7',
        session: 's4',
        model: 'claude-haiku-4-5-20251001',
        at: '2026-11-21T10:00:00.000Z',
        input: 100,
        output: 100,
      }),
    ),
  });
  const home = mkdtempSync(join(tmpdir(), 'takt-cli-home-'));
  scratch.push(root, home);
  const env = { root, home };

  it("/2: cost_usd sums the lines' costUSD (null without), list_cost_usd the price table; a warm index agrees", () => {
    const cold = json(takt(env, ['report', 'daily', '--json', '--breakdown']));
    const warm = json(takt(env, ['report', 'daily', '--json', '--breakdown']));
    for (const r of [cold, warm]) {
      expect(r.schema).toBe('takt.report/2');
      expect(pick(r.rows, 'date', 'cost_usd', 'list_cost_usd', 'responses')).toEqual([
        { date: '2026-11-20', cost_usd: 0.0373, list_cost_usd: 0.0315, responses: 2 },
        { date: '2026-11-21', cost_usd: null, list_cost_usd: 0.0006, responses: 1 },
      ]);
      expect(
        r.rows.map((row: { breakdown: Array<Record<string, unknown>> }) =>
          pick(row.breakdown, 'model', 'cost_usd', 'list_cost_usd'),
        ),
      ).toEqual([
        [{ model: 'claude-sonnet-4-5-20250929', cost_usd: 0.0373, list_cost_usd: 0.0315 }],
        [{ model: 'claude-haiku-4-5-20251001', cost_usd: null, list_cost_usd: 0.0006 }],
      ]);
      expect(r.totals).toMatchObject({ cost_usd: 0.0373, list_cost_usd: 0.0321, responses: 3 });
      expect(r.iterations.message).toMatchObject({ cost_usd: 0.0373, list_cost_usd: 0.0321 });
    }
    expect(
      pick(json(takt(env, ['report', 'session', '--json'])).rows, 'session_id', 'cost_usd', 'list_cost_usd'),
    ).toEqual([
      { session_id: 's3', cost_usd: 0.0373, list_cost_usd: 0.0315 },
      { session_id: 's4', cost_usd: null, list_cost_usd: 0.0006 },
    ]);
  });

  it("--schema 1: the exact shape of takt.report/1, cost_usd the price table's", () => {
    const r = json(
      takt(env, ['report', 'daily', '--json', '--breakdown', '--schema', '1', '--now', '2026-11-22T00:00:00Z']),
    );
    expect(r).toEqual({
      schema: 'takt.report/1',
      report: 'daily',
      generated_at: '2026-11-22T00:00:00.000Z',
      timezone: 'UTC',
      since: null,
      until: null,
      project: null,
      price_table: { effective: expect.any(String) },
      rows: [
        {
          date: '2026-11-20',
          ...tokens(3000, 1500),
          cost_usd: 0.0315,
          unpriced_models: [],
          responses: 2,
          models: ['claude-sonnet-4-5-20250929'],
          breakdown: [{ model: 'claude-sonnet-4-5-20250929', ...tokens(3000, 1500), responses: 2, cost_usd: 0.0315 }],
        },
        {
          date: '2026-11-21',
          ...tokens(100, 100),
          cost_usd: 0.0006,
          unpriced_models: [],
          responses: 1,
          models: ['claude-haiku-4-5-20251001'],
          breakdown: [{ model: 'claude-haiku-4-5-20251001', ...tokens(100, 100), responses: 1, cost_usd: 0.0006 }],
        },
      ],
      totals: { ...tokens(3100, 1600), cost_usd: 0.0321, unpriced_models: [], responses: 3 },
      iterations: { message: { ...tokens(3100, 1600), cost_usd: 0.0321, unpriced_models: [], responses: 3 } },
      skipped_lines: 0,
    });
    // /1's key order too: cost_usd where it always was.
    expect(Object.keys(r.totals)).toEqual([
      'input_tokens',
      'output_tokens',
      'cache_creation_tokens',
      'cache_creation_5m_tokens',
      'cache_creation_1h_tokens',
      'cache_read_tokens',
      'total_tokens',
      'cost_usd',
      'unpriced_models',
      'responses',
    ]);
    const blocks = json(takt(env, ['report', 'blocks', '--json', '--schema', '1', '--now', '2026-11-21T11:00:00Z']));
    const active = blocks.rows.at(-1);
    expect([active.burn_rate, active.projection]).toEqual([
      { tokens_per_minute: 13, output_tokens_per_minute: 7, cost_per_hour_usd: 0.0024 },
      { total_tokens: 3400, cost_usd: 0.0102, remaining_minutes: 240 },
    ]);
    expect(takt(env, ['report', 'daily', '--json', '--schema', '3'])).toMatchObject({
      code: 2,
      stderr: "takt report: --schema must be 1 or 2 (got '3')\n",
    });
  });

  it("/2 blocks name the price table's pace list_cost_per_hour_usd and list_cost_usd", () => {
    const blocks = json(takt(env, ['report', 'blocks', '--json', '--now', '2026-11-21T11:00:00Z']));
    const active = blocks.rows.at(-1);
    expect([active.cost_usd, active.list_cost_usd, active.burn_rate, active.projection]).toEqual([
      null,
      0.0006,
      { tokens_per_minute: 13, output_tokens_per_minute: 7, list_cost_per_hour_usd: 0.0024 },
      { total_tokens: 3400, list_cost_usd: 0.0102, remaining_minutes: 240 },
    ]);
  });

  it('--csv: cost_usd beside list_cost_usd, read back with csv-parse', () => {
    const rows: Record<string, string>[] = parse(takt(env, ['report', 'session', '--csv']).stdout, { columns: true });
    expect(pick(rows, 'time', 'session', 'input_tokens', 'cost_usd', 'list_cost_usd', 'source')).toEqual([
      {
        time: '2026-11-20T09:30:00.000Z',
        session: 's3',
        input_tokens: '3000',
        cost_usd: '0.0373',
        list_cost_usd: '0.0315',
        source: 'transcript',
      },
      {
        time: '2026-11-21T10:00:00.000Z',
        session: 's4',
        input_tokens: '100',
        cost_usd: '',
        list_cost_usd: '0.0006',
        source: 'transcript',
      },
    ]);
  });

  it("the table shows both costs when a line recorded Claude Code's", () => {
    const r = takt(env, ['report', 'daily']);
    expect(r.stdout).toMatch(/Total\s+List price\s+Claude Code\n/);
    expect(r.stdout).toMatch(/^2026-11-20 .*\$0\.03\s+\$0\.04\n/m);
    expect(r.stdout).toMatch(/^2026-11-21 .*\$0\.00\s+—\n/m);
  });
});

const tokens = (input: number, output: number) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_tokens: 0,
  cache_creation_5m_tokens: 0,
  cache_creation_1h_tokens: 0,
  cache_read_tokens: 0,
  total_tokens: input + output,
});

describe('takt pricing', () => {
  it('update --file replaces the table; a broken file is refused; reset restores the shipped one', () => {
    const env = fixture();
    const table = loadShippedPriceTable();
    const withMystery = {
      ...table,
      effective: '2026-11-25',
      models: {
        ...table.models,
        'claude-mystery-9': { input: 10, output: 20, cache_write_5m: 12.5, cache_write_1h: 20, cache_read: 1 },
      },
    };
    const file = join(env.home, 'prices.json');
    writeFileSync(file, JSON.stringify(withMystery));
    expect(takt(env, ['pricing', 'update', '--file', file]).code).toBe(0);
    // msg_4: 50×10 + 50×20 = 1,500 per million
    expect(json(takt(env, ['report', 'daily', '--json'])).totals).toMatchObject({
      list_cost_usd: 0.0356,
      unpriced_models: [],
    });

    writeFileSync(file, JSON.stringify({ ...withMystery, models: { x: { input: 'cheap' } } }));
    const refused = takt(env, ['pricing', 'update', '--file', file]);
    expect([refused.code, /models\.x/.test(refused.stderr)]).toEqual([2, true]);
    expect(json(takt(env, ['report', 'daily', '--json'])).price_table).toEqual({ effective: '2026-11-25' });

    expect(takt(env, ['pricing', 'reset']).code).toBe(0);
    expect(json(takt(env, ['report', 'daily', '--json'])).totals).toMatchObject({
      list_cost_usd: 0.0341,
      unpriced_models: ['claude-mystery-9'],
    });
  });
});

describe('takt statusline', () => {
  const status = (o: Record<string, unknown>) =>
    JSON.stringify({
      session_id: 's2',
      transcript_path: '',
      model: { id: 'claude-haiku-4-5-20251001', display_name: 'Haiku 4.5' },
      cost: { total_cost_usd: 1.234 },
      context_window: { used_percentage: 41.6, context_window_size: 200000 },
      ...o,
    });

  it('shows official rate_limits with their reset time and keeps them in TAKT_HOME', () => {
    const env = fixture();
    takt(env, ['report', 'daily', '--json']); // a warm index
    const resets = Date.parse('2026-11-21T14:00:00Z') / 1000;
    const r = takt(
      env,
      ['statusline', '--now', '2026-11-21T12:00:00Z'],
      status({
        transcript_path: join(env.root, 'projects', 'proj-beta', 's2.jsonl'),
        rate_limits: {
          five_hour: { used_percentage: 42.4, resets_at: resets },
          seven_day: { used_percentage: 17, resets_at: resets + 86400 * 3 },
        },
      }),
    );
    expect(r).toMatchObject({
      code: 0,
      // s2 began today: its part of today is Claude Code's $1.23 (takt cannot price msg_4).
      stdout: 'Haiku 4.5 | $1.23 session | $1.23 today | 5h 42% ↺14:00 | 7d 17% | ctx 42%\n',
    });
    const kept = JSON.parse(readFileSync(join(env.home, 'takt', 'rate-limits.json'), 'utf8'));
    expect(kept).toMatchObject({
      session_id: 's2',
      five_hour: { used_percentage: 42.4, resets_at: resets },
      seven_day: { used_percentage: 17 },
    });
  });

  it("without official limits shows takt's estimate, marked as such, and today's cost", () => {
    const env = fixture();
    takt(env, ['report', 'daily', '--json']);
    const r = takt(
      env,
      [
        'statusline',
        '--now',
        '2026-11-21T12:00:00Z',
        '--format',
        '{today_cost} today | 5h {five_hour} {five_hour_reset}',
      ],
      status({ transcript_path: join(env.root, 'projects', 'proj-beta', 's2.jsonl') }),
    );
    // today (UTC): s2 (msg_3 $0.0026 priced, msg_4 unknown) as Claude Code counts it, $1.23;
    // the 5-hour estimate is takt's own
    expect(r.stdout).toBe('$1.23 today | 5h ~$0.00 (est.) ↺15:00\n');
  });

  it('draws no 5-hour estimate when the status line sends a week but no 5-hour window (a plan without one)', () => {
    const env = fixture();
    takt(env, ['report', 'daily', '--json']);
    const recorded = JSON.parse(
      readFileSync(join(import.meta.dirname, 'fixtures', 'limits', 'statusline-no-five-hour.json'), 'utf8'),
    );
    const r = takt(
      env,
      [
        'statusline',
        '--now',
        '2026-11-21T12:00:00Z',
        '--format',
        '{today_cost} today | 5h {five_hour} | 7d {seven_day}',
      ],
      status({
        transcript_path: join(env.root, 'projects', 'proj-beta', 's2.jsonl'),
        rate_limits: recorded.rate_limits,
      }),
    );
    expect(r.stdout).toBe('$1.23 today | 7d 32%\n');
  });

  it("reads the session's appended lines without waiting for the index to be refreshed", () => {
    const env = fixture();
    takt(env, ['report', 'daily', '--json']);
    const path = join(env.root, 'projects', 'proj-beta', 's2.jsonl');
    appendFileSync(
      path,
      jsonl(
        assistant({
          id: 'msg_5',
          session: 's2',
          model: 'claude-opus-4-5-20251101',
          at: '2026-11-21T11:30:00.000Z',
          input: 100_000,
          output: 20_000,
        }),
      ),
    );
    // msg_5: 100,000×5 + 20,000×25 = $1.00, plus msg_3 $0.0026; with Claude Code's own session
    // cost only the last two days are read (and s2, begun today, is today's as Claude Code
    // counts it), without it the whole session
    const withCost = takt(
      env,
      ['statusline', '--now', '2026-11-21T12:00:00Z', '--format', '{today_cost} | {session_cost}'],
      status({ transcript_path: path }),
    );
    expect(withCost.stdout).toBe('$1.23 | $1.23\n');
    const r = takt(
      env,
      ['statusline', '--now', '2026-11-21T12:00:00Z', '--format', '{today_cost} | {session_cost}'],
      status({ transcript_path: path, cost: undefined }),
    );
    expect(r.stdout).toBe('$1.00 | $1.00\n');
  });

  it("does not count a resumed copy of an older response as today's", () => {
    const env = fixture();
    takt(env, ['report', 'daily', '--json']);
    const path = join(env.root, 'projects', 'proj-alpha', 's1.jsonl');
    // a session resumed today copies yesterday's msg_2 (at its old time) into its file
    appendFileSync(
      path,
      jsonl(assistant({ id: 'msg_2', session: 's1', at: '2026-11-20T23:30:00.000Z', input: 2000, output: 1000 })),
    );
    const r = takt(
      env,
      ['statusline', '--now', '2026-11-21T12:00:00Z', '--format', '{today_cost}'],
      status({ session_id: 's1', transcript_path: path }),
    );
    expect(r.stdout).toBe('$0.00\n');
    const day = json(takt(env, ['report', 'daily', '--json', '--since', '2026-11-20', '--until', '2026-11-20']));
    expect(day.totals).toMatchObject({ input_tokens: 3000, responses: 2 });
  });

  it("with no transcripts for today, counts the running session's cost as today's once the index is built", () => {
    const empty = { root: claudeDir(), home: mkdtempSync(join(tmpdir(), 'takt-cli-home-')) };
    scratch.push(empty.root, empty.home);
    takt(empty, ['report', 'daily', '--json']);
    const format = ['statusline', '--format', '{session_cost} session | {today_cost} today'];
    // Claude Code's $1.23 of a session takt has no lines of (yet) is today's; without it, nothing.
    expect([takt(empty, format, status({})).stdout, takt(empty, format, status({ cost: undefined })).stdout]).toEqual([
      '$1.23 session | $1.23 today\n',
      '$0.00 today\n',
    ]);
  });

  it("keeps takt's rows of today for a running session that began on an earlier day", () => {
    const env = fixture();
    takt(env, ['report', 'daily', '--json']);
    const path = join(env.root, 'projects', 'proj-alpha', 's1.jsonl');
    appendFileSync(
      path,
      jsonl(
        assistant({
          id: 'msg_6',
          session: 's1',
          model: 'claude-opus-4-5-20251101',
          at: '2026-11-21T11:00:00.000Z',
          input: 100_000,
          output: 0,
        }),
      ),
    );
    // Claude Code's $5.00 counts yesterday's msg_1 and msg_2 too: today is takt's msg_6 $0.50
    // plus s2's msg_3 $0.0026.
    const r = takt(
      env,
      ['statusline', '--now', '2026-11-21T12:00:00Z', '--format', '{session_cost} session | {today_cost} today'],
      status({ session_id: 's1', transcript_path: path, cost: { total_cost_usd: 5 } }),
    );
    expect(r.stdout).toBe('$5.00 session | $0.50 today\n');
  });

  it('on bad input prints a shorter line and exits 0', () => {
    const env = fixture();
    expect(takt(env, ['statusline'], '{"model": {"display_name": "Opus"')).toEqual({
      code: 0,
      stdout: 'Claude\n',
      stderr: '',
    });
    expect(takt(env, ['statusline'], '')).toMatchObject({ code: 0 });
  });

  it('with no index yet, says so and builds it in the background, once', async () => {
    const env = fixture();
    const r = takt(env, ['statusline', '--format', '{model} | {today_cost}'], status({}));
    expect(r.stdout).toBe('Haiku 4.5 | indexing…\n');
    const marker = join(env.home, 'takt', 'index-refresh.at');
    const started = statSync(marker).mtimeMs;
    takt(env, ['statusline'], status({})); // within the minute: no second build
    expect(statSync(marker).mtimeMs).toBe(started);
    const indexDir = join(env.home, 'takt');
    await expect
      .poll(() => existsSync(indexDir) && readdirSync(indexDir).some((n) => n.endsWith('.idx')), { timeout: 15_000 })
      .toBe(true);
  });
});
