import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the Anthropic Messages API, good enough for the real
 * Claude Code CLI: it streams Server-Sent Events, returns usage with cache fields
 * (and the 5m/1h split) and a `request-id` header, and never answers 401 (the CLI
 * would retry for minutes). Each response has distinct, known usage numbers.
 *
 * A prompt containing "run the tool" gets a Bash tool_use (`echo hi`) first and a
 * text answer once the tool result comes back. A prompt containing "hit the limit" gets
 * a 429 with Anthropic's unified rate-limit headers (`rejected`, the 5-hour window,
 * `limitResetsAt`): signed in with an OAuth token (runClaudeCode's `oauth`), Claude Code
 * writes a hit line with `quotaLimits` into its transcript.
 */
export interface MockUsage {
  requestId: string;
  model: string;
  input: number;
  output: number;
  cacheRead: number;
  cache5m: number;
  cache1h: number;
}

export interface AnthropicMock {
  url: string;
  /** Every Messages API response sent, in order. */
  responses: MockUsage[];
  /** Paths the CLI called that the mock does not model (answered 200 {}). */
  otherPaths: string[];
  /** Requests answered 429 ("hit the limit"), and the reset they announced (epoch s). */
  rateLimited: number;
  limitResetsAt: number;
  stop(): Promise<void>;
}

interface MessagesBody {
  model?: string;
  messages?: { role: string; content: string | { type: string; text?: string }[] }[];
}

function lastUserContent(body: MessagesBody): { text: string; hasToolResult: boolean } {
  const last = body.messages?.at(-1);
  if (!last) return { text: '', hasToolResult: false };
  if (typeof last.content === 'string') return { text: last.content, hasToolResult: false };
  return {
    text: last.content.map((c) => c.text ?? '').join(' '),
    hasToolResult: last.content.some((c) => c.type === 'tool_result'),
  };
}

export async function startAnthropicMock(): Promise<AnthropicMock> {
  const responses: MockUsage[] = [];
  const otherPaths: string[] = [];
  const limitResetsAt = Math.floor(Date.now() / 1000) + 2 * 3600;
  let rateLimited = 0;
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"input_tokens":42}');
        return;
      }
      if (req.method !== 'POST' || path !== '/v1/messages') {
        otherPaths.push(`${req.method} ${path}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as MessagesBody;
      const { text, hasToolResult } = lastUserContent(body);
      const useTool = text.includes('run the tool') && !hasToolResult;
      if (text.includes('hit the limit')) {
        rateLimited++;
        res.writeHead(429, {
          'content-type': 'application/json',
          'request-id': `req_limited_${rateLimited}`,
          'x-should-retry': 'false',
          'anthropic-ratelimit-unified-status': 'rejected',
          'anthropic-ratelimit-unified-reset': String(limitResetsAt),
          'anthropic-ratelimit-unified-representative-claim': 'five_hour',
          'anthropic-ratelimit-unified-5h-status': 'rejected',
          'anthropic-ratelimit-unified-5h-reset': String(limitResetsAt),
        });
        res.end(
          JSON.stringify({
            type: 'error',
            error: { type: 'rate_limit_error', message: "This request would exceed your account's rate limit." },
          }),
        );
        return;
      }
      n++;
      const usage: MockUsage = {
        requestId: `req_mock_${n}_${Math.random().toString(36).slice(2, 8)}`,
        model: body.model ?? 'claude-sonnet-4-5-20250929',
        input: 1000 + n * 7,
        output: 50 + n * 3,
        cacheRead: 20_000 + n * 11,
        cache5m: 100 + n,
        cache1h: 3000 + n * 13,
      };
      responses.push(usage);
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        'request-id': usage.requestId,
      });
      const send = (type: string, data: Record<string, unknown>) =>
        res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      send('message_start', {
        message: {
          id: `msg_mock_${n}`,
          type: 'message',
          role: 'assistant',
          model: usage.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: usage.input,
            output_tokens: 1,
            cache_read_input_tokens: usage.cacheRead,
            cache_creation_input_tokens: usage.cache5m + usage.cache1h,
            cache_creation: { ephemeral_5m_input_tokens: usage.cache5m, ephemeral_1h_input_tokens: usage.cache1h },
          },
        },
      });
      if (useTool) {
        send('content_block_start', {
          index: 0,
          content_block: { type: 'tool_use', id: `toolu_mock_${n}`, name: 'Bash', input: {} },
        });
        send('content_block_delta', {
          index: 0,
          delta: {
            type: 'input_json_delta',
            partial_json: JSON.stringify({ command: 'echo hi', description: 'Say hi' }),
          },
        });
      } else {
        send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
        send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: `Done (${n}).` } });
      }
      send('content_block_stop', { index: 0 });
      send('message_delta', {
        delta: { stop_reason: useTool ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: usage.output },
      });
      send('message_stop', {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    responses,
    otherPaths,
    get rateLimited() {
      return rateLimited;
    },
    limitResetsAt,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
