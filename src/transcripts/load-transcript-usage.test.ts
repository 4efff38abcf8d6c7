import { afterEach, describe, expect, it } from 'vitest';
import { count, removeScratch, S, setup } from '../../test/support/transcript-index-runs.ts';
import {
  agentProgress,
  apiError,
  assistant,
  costState,
  jsonl,
  taskResult,
} from '../../test/support/transcript-lines.ts';

afterEach(removeScratch);

describe('counting every API response once', () => {
  it('takes the largest value of each field over streaming snapshots of one response', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ id: 'msg_1', input: 3, output: 1, cacheWrite1h: 2000, cacheRead: 9000 }),
        assistant({ id: 'msg_1', input: 3, output: 40, cacheWrite1h: 2000, cacheRead: 9000 }),
        assistant({ id: 'msg_1', input: 3, output: 377, cacheWrite1h: 2000, cacheRead: 9000 }),
        assistant({ id: 'msg_2', input: 5, output: 12, cacheRead: 11000 }),
      ),
    });
    // first-seen-wins would count output 1 + 12 = 13
    expect(await count(root, home)).toMatchObject({
      input: 8,
      output: 389,
      cacheWrite: 2000,
      cacheRead: 20000,
      responses: 2,
    });
  });

  it('dedupes lines without requestId on message.id', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ id: 'msg_1', requestId: null, input: 10, output: 2 }),
        assistant({ id: 'msg_1', requestId: null, input: 10, output: 70 }),
        assistant({ id: 'msg_1', requestId: null, input: 10, output: 70 }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 10, output: 70, responses: 1 });
  });

  it('keys on requestId when message.id is missing, and never merges lines that have neither', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ requestId: 'req_9', input: 1, output: 5 }),
        assistant({ requestId: 'req_9', input: 1, output: 6 }),
        assistant({ requestId: null, input: 2, output: 7 }),
        assistant({ requestId: null, input: 2, output: 7 }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 5, output: 20, responses: 3 });
  });

  it('does not count the lines a resumed session copies into its new file again', async () => {
    const first = [
      assistant({ id: 'msg_1', session: 'old', input: 100, output: 10 }),
      assistant({ id: 'msg_2', session: 'old', input: 200, output: 20 }),
    ];
    const { root, home } = setup({
      'proj-app/old.jsonl': jsonl(...first),
      'proj-app/new.jsonl': jsonl(
        ...first.map((r) => ({ ...r, sessionId: 'new' })),
        assistant({ id: 'msg_3', session: 'new', input: 300, output: 30 }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 600, output: 60, responses: 3 });
  });

  it('does not count a sidechain replay of a message already counted, but counts new subagent messages', async () => {
    const main = assistant({ id: 'msg_1', input: 100, output: 10 });
    const { root, home } = setup({
      [S]: jsonl(main),
      'proj-app/session-a/subagents/agent-1.jsonl': jsonl(
        { ...main, isSidechain: true },
        assistant({ id: 'msg_sub', sidechain: true, model: 'claude-haiku-4-5-20251001', input: 40, output: 4 }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 140, output: 14, responses: 2 });
  });

  it('counts a subagent message once whether seen in its own file, as a progress copy, or both', async () => {
    const sub = assistant({ id: 'msg_sub', sidechain: true, input: 40, output: 400 });
    const onlyCopy = assistant({ id: 'msg_copy_only', sidechain: true, input: 7, output: 70 });
    const { root, home } = setup({
      [S]: jsonl(assistant({ id: 'msg_1', input: 1, output: 1 }), agentProgress(sub), agentProgress(onlyCopy)),
      'proj-app/session-a/subagents/agent-1.jsonl': jsonl(sub),
    });
    expect(await count(root, home)).toMatchObject({ input: 48, output: 471, responses: 3 });
  });

  it('ignores <synthetic> API errors, Task tool results and cost-state records', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ id: 'msg_1', input: 10, output: 20 }),
        apiError(),
        taskResult({ input: 5000, output: 5000 }),
        costState(),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 10, output: 20, responses: 1, synthetic: 1, skipped: 0 });
  });

  it('splits cache writes into 5-minute and 1-hour ones; without the split they are 5-minute writes', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ id: 'msg_1', cacheWrite5m: 100, cacheWrite1h: 900 }),
        assistant({ id: 'msg_2', cacheWrite5m: 50, noSplit: true }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ cacheWrite: 1050, cacheWrite1h: 900 });
  });

  it('skips and counts cut-off and malformed usage lines, ignores other garbage, and never fails', async () => {
    const good = JSON.stringify(assistant({ id: 'msg_1', input: 10, output: 20 }));
    const cut = JSON.stringify(assistant({ id: 'msg_2', input: 500, output: 500 })).slice(0, -40);
    const { root, home } = setup({
      [S]: jsonl(
        good,
        cut,
        '{"type":"assistant","message":{"usage":{"input_tokens":5,"output_tokens":}}}',
        'not json at all',
        '',
        '\u0000\u0001binary',
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 10, output: 20, responses: 1, skipped: 2 });
  });

  it('skips and counts a line whose token count is not a whole number below 2^32 (no real response has one)', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ id: 'msg_1', input: 10, output: 20 }),
        assistant({ id: 'msg_2', input: 1.5, output: 20 }),
        assistant({ id: 'msg_3', input: 10, output: 2 ** 32 }),
        assistant({ id: 'msg_4', input: 10, output: 20, cacheRead: 1e300 }),
        assistant({ id: 'msg_5', input: 2 ** 32 - 1, output: 0 }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 10 + 2 ** 32 - 1, output: 20, responses: 2, skipped: 3 });
  });
});
