import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/** `takt export` as a user runs it (the built CLI) against a server on loopback. */

const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
const FROM = '2026-03-02T00:00:00Z';
const TO = '2026-03-03T00:00:00Z';
const T0 = Date.parse('2026-03-02T10:20:00Z');

let takt: TestTakt;
let home: string;
let tokenFile: string;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], {
      env: { PATH: process.env.PATH, HOME: home, TAKT_HOME: join(home, 'takt') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('takt export', () => {
  beforeAll(async () => {
    takt = await startTakt();
    home = mkdtempSync(join(tmpdir(), 'takt-export-cli-'));
    tokenFile = join(home, 'token');
    writeFileSync(tokenFile, `${takt.token}\n`, { mode: 0o600 });
    const records = [1, 2, 3].map((n) => ({
      message_id: `msg_${n}`,
      request_id: `req_${n}`,
      session_id: n < 3 ? 'sess-a' : 'sess-b',
      timestamp: new Date(T0 + n * 60_000).toISOString(),
      model: 'claude-sonnet-4-5-20250929',
      input_tokens: 10 * n,
      output_tokens: 100 * n,
      cache_read_tokens: 1000 * n,
      cache_creation_5m_tokens: 50 * n,
      cache_creation_1h_tokens: 0,
    }));
    const r = await fetch(`${takt.directUrl}/api/transcript-usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${takt.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ host_name: 'laptop', records }),
    });
    expect(r.status).toBe(201);
  });
  afterAll(async () => {
    await takt.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const server = () => ['--server', takt.directUrl, '--token-file', tokenFile];

  it('--output writes the CSV the server streamed: sessions with exact token sums', async () => {
    const out = join(home, 'usage.csv');
    const r = await run(['export', ...server(), '--from', FROM, '--to', TO, '--level', 'session', '--output', out]);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    const rows: Record<string, string>[] = parse(readFileSync(out, 'utf8'), { columns: true });
    expect(rows.map((x) => [x.session, x.machine, x.input_tokens, x.output_tokens, x.cache_creation_tokens])).toEqual([
      ['sess-a', 'laptop', '30', '300', '150'],
      ['sess-b', 'laptop', '30', '300', '150'],
    ]);
  });

  it('JSON Lines to standard output', async () => {
    const r = await run(['export', ...server(), '--from', FROM, '--to', TO, '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.time, l.input_tokens, l.source])).toEqual([
      ['2026-03-02T10:21:00.000Z', 10, 'transcript'],
      ['2026-03-02T10:22:00.000Z', 20, 'transcript'],
      ['2026-03-02T10:23:00.000Z', 30, 'transcript'],
    ]);
  });

  it("a bad flag value: the server's message, exit 2, no file left behind", async () => {
    const out = join(home, 'bad.csv');
    const r = await run(['export', ...server(), '--level', 'hour', '--output', out]);
    expect(r).toMatchObject({ code: 2, stderr: 'takt export: level must be request, session or day\n' });
    expect(() => readFileSync(out)).toThrow();
    expect(() => readFileSync(`${out}.partial`)).toThrow();
  });
});
