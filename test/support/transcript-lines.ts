import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Claude Code transcript lines for hand-written fixtures, shaped as Claude Code 2.1
 * writes them (assistant records with message.usage, progress copies of subagent
 * messages, tool results with toolUseResult.usage, cost-state records, API errors).
 */

export interface Usage {
  input?: number;
  output?: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
  cacheRead?: number;
  /** Leave out the cache_creation split (older Claude Code versions). */
  noSplit?: boolean;
  speed?: 'fast' | 'standard';
}

export interface AssistantOptions extends Usage {
  id?: string;
  requestId?: string | null;
  session?: string;
  model?: string;
  at?: string;
  sidechain?: boolean;
  text?: string;
  costUSD?: number;
}

export function usageObject(u: Usage): Record<string, unknown> {
  const w5 = u.cacheWrite5m ?? 0;
  const w1 = u.cacheWrite1h ?? 0;
  return {
    input_tokens: u.input ?? 0,
    cache_creation_input_tokens: w5 + w1,
    cache_read_input_tokens: u.cacheRead ?? 0,
    ...(u.noSplit ? {} : { cache_creation: { ephemeral_5m_input_tokens: w5, ephemeral_1h_input_tokens: w1 } }),
    output_tokens: u.output ?? 0,
    service_tier: 'standard',
    ...(u.speed ? { speed: u.speed } : {}),
  };
}

let counter = 0;

export function assistant(o: AssistantOptions): Record<string, unknown> {
  counter++;
  const record: Record<string, unknown> = {
    parentUuid: null,
    isSidechain: o.sidechain ?? false,
    userType: 'external',
    cwd: '/home/dev/app',
    sessionId: o.session ?? 'session-a',
    version: '2.1.330',
    gitBranch: 'main',
    message: {
      ...(o.id === undefined ? {} : { id: o.id }),
      type: 'message',
      role: 'assistant',
      model: o.model ?? 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: o.text ?? 'Done: the tests pass and "quotes" [and brackets] are fine.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: usageObject(o),
    },
    type: 'assistant',
    uuid: `uuid-${counter}`,
    timestamp: o.at ?? '2026-11-20T10:00:00.000Z',
  };
  if (o.requestId !== null) record.requestId = o.requestId ?? (o.id === undefined ? undefined : `req_${o.id}`);
  if (o.costUSD !== undefined) record.costUSD = o.costUSD;
  return record;
}

/** The copy of a subagent's message that Claude Code 2.x mirrors into the parent transcript. */
export function agentProgress(message: Record<string, unknown>, session = 'session-a'): Record<string, unknown> {
  return {
    parentUuid: null,
    isSidechain: false,
    type: 'progress',
    sessionId: session,
    data: {
      type: 'agent_progress',
      agentId: 'agent-1',
      prompt: 'look around',
      normalizedMessages: [],
      message: {
        type: 'assistant',
        message: message.message,
        requestId: message.requestId,
        uuid: message.uuid,
        timestamp: message.timestamp,
      },
    },
    timestamp: message.timestamp,
  };
}

/** A Task tool result: its toolUseResult.usage is the subagent's own, already counted from its lines. */
export function taskResult(u: Usage, session = 'session-a'): Record<string, unknown> {
  return {
    type: 'user',
    sessionId: session,
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'report' }] },
    toolUseResult: { status: 'completed', totalTokens: 999, usage: usageObject(u) },
    timestamp: '2026-11-20T10:05:00.000Z',
  };
}

export function apiError(session = 'session-a'): Record<string, unknown> {
  return {
    type: 'assistant',
    sessionId: session,
    isApiErrorMessage: true,
    message: {
      id: 'synthetic-1',
      model: '<synthetic>',
      role: 'assistant',
      type: 'message',
      content: [{ type: 'text', text: 'API Error: 529 Overloaded' }],
      usage: usageObject({}),
    },
    timestamp: '2026-11-20T10:06:00.000Z',
  };
}

export function costState(session = 'session-a'): Record<string, unknown> {
  return {
    type: 'cost-state',
    sessionId: session,
    totalCostUSD: 12.5,
    modelUsage: { 'claude-sonnet-4-5-20250929': { inputTokens: 5000, outputTokens: 7000, input_tokens: 5000 } },
  };
}

export const jsonl = (...records: Array<Record<string, unknown> | string>) =>
  `${records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n')}\n`;

/** A scratch Claude config dir; `files` maps paths under projects/ to their content. */
export function claudeDir(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'takt-claude-'));
  mkdirSync(join(root, 'projects'), { recursive: true });
  for (const [path, content] of Object.entries(files)) writeTranscript(root, path, content);
  return root;
}

export function writeTranscript(root: string, path: string, content: string): string {
  const full = join(root, 'projects', path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  return full;
}
