import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the Anthropic Messages API that the real Claude Code CLI
 * accepts: it streams Server-Sent Events (message_start, content_block_start/delta/stop,
 * message_delta with usage, message_stop), returns usage with every cache field
 * (including the 5-minute/1-hour split), sends a unique `request-id` header per
 * response, and never answers 401 (the CLI would retry for minutes).
 *
 * Replies are scripted per call (`script`), otherwise a short text reply. Usage is
 * deterministic and distinct per call (`usageForCall`), so a test can tell exactly
 * which responses a figure was made of.
 */

/** The usage the mock reports for one response, in the API's own field names. */
export interface MockUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export type MockReply =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown>; text?: string }
  /** An API error answer (never 401: the CLI would retry for minutes). No usage is billed. */
  | { type: 'error'; status: 400 | 404 | 413 | 429 | 500 | 529; errorType: string; message: string };

/** One Messages API call the mock answered. */
export interface MockCall {
  /** 1-based, over the mock's lifetime. */
  n: number;
  path: string;
  model: string;
  stream: boolean;
  requestId: string;
  messageId: string;
  reply: MockReply;
  usage: MockUsage;
  /** The last user turn holds a tool_result (the CLI reporting a tool run). */
  hasToolResult: boolean;
  /** The request body as parsed JSON. */
  body: unknown;
  at: Date;
}

/** Any other request the CLI made (count_tokens, model listing, …), with the status it got. */
export interface MockOtherRequest {
  method: string;
  path: string;
  status: number;
}

export interface MockAnthropic {
  url: string;
  calls: MockCall[];
  others: MockOtherRequest[];
  /** Queue replies for the next Messages calls, in order; once empty, calls get `defaultReply`. */
  script(...replies: MockReply[]): void;
  /** Sum of the usage sent over calls[from, to) (error answers carry none). */
  totals(from?: number, to?: number): MockTotals;
  stop(): Promise<void>;
}

export interface MockTotals {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  cache_creation_5m_tokens: number;
  cache_creation_1h_tokens: number;
}

export const textReply = (text: string): MockReply => ({ type: 'text', text });
export const toolUseReply = (name: string, input: Record<string, unknown>): MockReply => ({
  type: 'tool_use',
  name,
  input,
});
export const errorReply = (status: 400 | 404 | 413 | 429 | 500 | 529, message = 'mock error'): MockReply => ({
  type: 'error',
  status,
  errorType: status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'invalid_request_error',
  message,
});
export const bashEchoHi: MockReply = toolUseReply('Bash', { command: 'echo hi', description: 'Print hi' });

/**
 * Call n's usage: every field differs from every other field and from every other
 * call's, so sums identify their parts (input 1_0nn_1, output 2nn_2, …).
 */
export function defaultUsageForCall(n: number): MockUsage {
  const cache5m = 400 + 10 * n + 4;
  const cache1h = 5_000 + 100 * n + 5;
  return {
    input_tokens: 1_000 + 100 * n + 1,
    output_tokens: 200 + 10 * n + 2,
    cache_read_input_tokens: 30_000 + 1_000 * n + 3,
    cache_creation_input_tokens: cache5m + cache1h,
    cache_creation: { ephemeral_5m_input_tokens: cache5m, ephemeral_1h_input_tokens: cache1h },
  };
}

interface MessagesRequest {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content: string | { type: string }[] }[];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return {};
  }
}

function contentBlocks(reply: MockReply, n: number): Record<string, unknown>[] {
  switch (reply.type) {
    case 'text':
      return [{ type: 'text', text: reply.text }];
    case 'tool_use':
      return [
        ...(reply.text ? [{ type: 'text', text: reply.text }] : []),
        { type: 'tool_use', id: `toolu_mock_${String(n).padStart(4, '0')}`, name: reply.name, input: reply.input },
      ];
    case 'error':
      return [];
    default:
      return reply satisfies never;
  }
}

function writeStream(res: ServerResponse, call: MockCall): void {
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const { usage } = call;
  send('message_start', {
    message: {
      id: call.messageId,
      type: 'message',
      role: 'assistant',
      model: call.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // As the real API: input and cache figures up front, output grows in message_delta.
      usage: { ...usage, output_tokens: 1, service_tier: 'standard' },
    },
  });
  contentBlocks(call.reply, call.n).forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else {
      send('content_block_start', { index, content_block: { ...block, input: {} } });
      send('content_block_delta', {
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    }
    send('content_block_stop', { index });
  });
  send('message_delta', {
    delta: { stop_reason: call.reply.type === 'tool_use' ? 'tool_use' : 'end_turn', stop_sequence: null },
    // The current API repeats the (cumulative) usage here; output_tokens is final.
    usage: {
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
    },
  });
  send('message_stop', {});
  res.end();
}

export async function startMockAnthropic(
  options: {
    defaultReply?: (call: { n: number; hasToolResult: boolean }) => MockReply;
    usageForCall?: (n: number) => MockUsage;
  } = {},
): Promise<MockAnthropic> {
  const calls: MockCall[] = [];
  const others: MockOtherRequest[] = [];
  const queue: MockReply[] = [];
  const usageForCall = options.usageForCall ?? defaultUsageForCall;
  const defaultReply = options.defaultReply ?? (({ n }) => textReply(`Done (${n}).`));
  let n = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const other = (status: number, body: unknown) => {
      others.push({ method, path, status });
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_mock_other_${others.length}` });
      res.end(JSON.stringify(body));
    };
    if (method === 'POST' && path === '/v1/messages/count_tokens') {
      other(200, { input_tokens: 4242 });
      return;
    }
    if (method === 'GET' && path.startsWith('/v1/models')) {
      const model = { type: 'model', id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5' };
      other(
        200,
        path === '/v1/models' ? { data: [model], has_more: false, first_id: model.id, last_id: model.id } : model,
      );
      return;
    }
    if (method !== 'POST' || path !== '/v1/messages') {
      // Never 401: the CLI would retry for minutes. An empty object satisfies the probes seen so far.
      other(200, {});
      return;
    }
    const body = parseJson(raw) as MessagesRequest;
    const last = body.messages?.at(-1);
    const hasToolResult =
      last !== undefined && typeof last.content !== 'string' && last.content.some((c) => c.type === 'tool_result');
    n++;
    const id = String(n).padStart(4, '0');
    const call: MockCall = {
      n,
      path,
      model: body.model ?? 'claude-sonnet-4-5-20250929',
      stream: body.stream === true,
      requestId: `req_mock_${id}`,
      messageId: `msg_mock_${id}`,
      reply: queue.shift() ?? defaultReply({ n, hasToolResult }),
      usage: usageForCall(n),
      hasToolResult,
      body,
      at: new Date(),
    };
    calls.push(call);
    if (call.reply.type === 'error') {
      res.writeHead(call.reply.status, { 'content-type': 'application/json', 'request-id': call.requestId });
      res.end(JSON.stringify({ type: 'error', error: { type: call.reply.errorType, message: call.reply.message } }));
      return;
    }
    if (call.stream) {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        'request-id': call.requestId,
      });
      writeStream(res, call);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': call.requestId });
    res.end(
      JSON.stringify({
        id: call.messageId,
        type: 'message',
        role: 'assistant',
        model: call.model,
        content: contentBlocks(call.reply, call.n),
        stop_reason: call.reply.type === 'tool_use' ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        usage: call.usage,
      }),
    );
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    others,
    script(...replies) {
      queue.push(...replies);
    },
    totals(from = 0, to = calls.length) {
      const t: MockTotals = {
        input_tokens: 0,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_creation_tokens: 0,
        cache_creation_5m_tokens: 0,
        cache_creation_1h_tokens: 0,
      };
      for (const { usage, reply } of calls.slice(from, to)) {
        if (reply.type === 'error') continue;
        t.input_tokens += usage.input_tokens;
        t.output_tokens += usage.output_tokens;
        t.cache_read_tokens += usage.cache_read_input_tokens;
        t.cache_creation_tokens += usage.cache_creation_input_tokens;
        t.cache_creation_5m_tokens += usage.cache_creation.ephemeral_5m_input_tokens;
        t.cache_creation_1h_tokens += usage.cache_creation.ephemeral_1h_input_tokens;
      }
      return t;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
