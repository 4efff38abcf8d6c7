import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeRecord, readTranscriptRecords } from './transcript-records.ts';

const dir = mkdtempSync(join(tmpdir(), 'takt-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const assistant = (id: string, requestId: string | null, output: number, at = '2026-11-20T10:00:00.000Z') =>
  JSON.stringify({
    type: 'assistant',
    sessionId: 'sess-1',
    cwd: '/home/dev/app',
    timestamp: at,
    ...(requestId ? { requestId } : {}),
    message: {
      id,
      model: 'claude-sonnet-4-5-20250929',
      usage: {
        input_tokens: 3,
        output_tokens: output,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 40,
        cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 30 },
      },
    },
  });

const hitLine = JSON.stringify({
  type: 'assistant',
  uuid: 'u-hit',
  sessionId: 'sess-1',
  timestamp: '2026-11-20T11:00:00.000Z',
  isApiErrorMessage: true,
  error: 'rate_limit',
  quotaLimits: { status: 'rejected', resetsAt: 1_790_000_000, rateLimitType: 'five_hour' },
  message: { model: '<synthetic>', usage: { input_tokens: 0, output_tokens: 0 }, content: [] },
});

describe('reading transcript records for sync', () => {
  it('reads whole lines from an offset, leaving a line still being written for the next read', () => {
    const file = join(dir, 'a.jsonl');
    const second = assistant('msg_2', 'req_2', 9);
    writeFileSync(file, `${assistant('msg_1', 'req_1', 5)}\n${second.slice(0, 40)}`);
    const first = readTranscriptRecords(file, 0, statSync(file).size);
    expect(first.records).toEqual([
      {
        message_id: 'msg_1',
        request_id: 'req_1',
        session_id: 'sess-1',
        timestamp: Date.parse('2026-11-20T10:00:00.000Z'),
        model: 'claude-sonnet-4-5-20250929',
        input_tokens: 3,
        output_tokens: 5,
        cache_read_tokens: 100,
        cache_creation_5m_tokens: 10,
        cache_creation_1h_tokens: 30,
        cwd: '/home/dev/app',
      },
    ]);
    appendFileSync(file, `${second.slice(40)}\n${hitLine}\n`);
    const next = readTranscriptRecords(file, first.nextOffset, statSync(file).size);
    expect(next.records.map((r) => [r.message_id, r.output_tokens])).toEqual([['msg_2', 9]]);
    expect(next.hits).toEqual([
      {
        at: Date.parse('2026-11-20T11:00:00.000Z'),
        sessionId: 'sess-1',
        window: 'five_hour',
        resetsAt: 1_790_000_000_000,
        form: 'quota_limits',
        key: 'u-hit',
      },
    ]);
    expect(next.nextOffset).toBe(statSync(file).size);
  });

  it('keys a line by its message id, else its request id, and counts lines with neither', () => {
    const file = join(dir, 'b.jsonl');
    const noIds = assistant('', null, 1);
    writeFileSync(file, `${assistant('', 'req_only', 4)}\n${noIds}\n`);
    const r = readTranscriptRecords(file, 0, statSync(file).size);
    expect(r.records.map((x) => [x.message_id, x.request_id])).toEqual([[undefined, 'req_only']]);
    expect(r.keyless).toBe(1);
  });

  it('merges repeats of a response field by field, keeping the largest figures and the earliest time', () => {
    const a = readTranscriptRecords(join(dir, 'a.jsonl'), 0, statSync(join(dir, 'a.jsonl')).size).records[0];
    const into = { ...a, output_tokens: 2, timestamp: 5 } as NonNullable<typeof a>;
    mergeRecord(into, { ...into, output_tokens: 7, timestamp: 9, input_tokens: 1 });
    expect([into.output_tokens, into.input_tokens, into.timestamp]).toEqual([7, 3, 5]);
  });
});
