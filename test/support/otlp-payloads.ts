import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * Builds Claude-Code-shaped OTLP export requests for tests and benchmarks, as
 * OTLP/JSON objects, and encodes them to protobuf with the same .proto the server
 * decodes with.
 */
const root = protobuf.loadSync(fileURLToPath(new URL('../../src/ingest/proto/otlp.proto', import.meta.url)));
const MetricsRequest = root.lookupType('opentelemetry.proto.ExportMetricsServiceRequest');
const LogsRequest = root.lookupType('opentelemetry.proto.ExportLogsServiceRequest');
export const MetricsResponse = root.lookupType('opentelemetry.proto.ExportMetricsServiceResponse');
export const LogsResponse = root.lookupType('opentelemetry.proto.ExportLogsServiceResponse');
export const StatusMessage = root.lookupType('opentelemetry.proto.Status');

type Attr = { key: string; value: Record<string, unknown> };
export const str = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
export const int = (key: string, v: number): Attr => ({ key, value: { intValue: String(v) } });
export const dbl = (key: string, v: number): Attr => ({ key, value: { doubleValue: v } });

export interface Identity {
  host?: string;
  sessionId: string;
  accountUuid?: string;
  organizationId?: string;
  email?: string;
}

function commonAttrs(id: Identity): Attr[] {
  const a: Attr[] = [str('session.id', id.sessionId), str('terminal.type', 'non-interactive')];
  if (id.accountUuid) a.push(str('user.account_uuid', id.accountUuid));
  if (id.organizationId) a.push(str('organization.id', id.organizationId));
  if (id.email) a.push(str('user.email', id.email));
  return a;
}

function resourceOf(id: Identity) {
  const attrs: Attr[] = [str('service.name', 'claude-code'), str('service.version', '2.1.330')];
  if (id.host !== undefined) attrs.push(str('host.name', id.host));
  return { attributes: attrs };
}

export interface TokenPoint {
  model: string;
  type: 'input' | 'output' | 'cacheRead' | 'cacheCreation';
  value: number;
}

const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/** A claude_code.token.usage + cost.usage export for one session. */
export function tokenMetrics(
  id: Identity,
  points: TokenPoint[],
  opts: {
    startMs: number;
    timeMs: number;
    temporality?: 'delta' | 'cumulative';
    costs?: { model: string; value: number }[];
  },
): Record<string, unknown> {
  const temporality = opts.temporality === 'cumulative' ? 2 : 1;
  const dp = (attrs: Attr[], value: number) => ({
    attributes: [...commonAttrs(id), ...attrs],
    startTimeUnixNano: ns(opts.startMs),
    timeUnixNano: ns(opts.timeMs),
    asDouble: value,
  });
  const metrics: Record<string, unknown>[] = [
    {
      name: 'claude_code.token.usage',
      unit: 'tokens',
      sum: {
        aggregationTemporality: temporality,
        isMonotonic: true,
        dataPoints: points.map((p) => dp([str('model', p.model), str('type', p.type)], p.value)),
      },
    },
  ];
  if (opts.costs?.length) {
    metrics.push({
      name: 'claude_code.cost.usage',
      unit: 'USD',
      sum: {
        aggregationTemporality: temporality,
        isMonotonic: true,
        dataPoints: opts.costs.map((c) => dp([str('model', c.model)], c.value)),
      },
    });
  }
  return {
    resourceMetrics: [
      {
        resource: resourceOf(id),
        scopeMetrics: [{ scope: { name: 'com.anthropic.claude_code', version: '2.1.330' }, metrics }],
      },
    ],
  };
}

export interface ApiRequestEvent {
  model: string;
  requestId?: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  costUsd: number;
  timeMs: number;
  sequence: number;
}

/** A logs export of claude_code.api_request events. */
export function apiRequestLogs(id: Identity, events: ApiRequestEvent[]): Record<string, unknown> {
  return {
    resourceLogs: [
      {
        resource: resourceOf(id),
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code.events', version: '2.1.330' },
            logRecords: events.map((e) => ({
              timeUnixNano: ns(e.timeMs),
              body: { stringValue: 'claude_code.api_request' },
              attributes: [
                ...commonAttrs(id),
                str('event.name', 'api_request'),
                str('event.timestamp', new Date(e.timeMs).toISOString()),
                int('event.sequence', e.sequence),
                str('model', e.model),
                ...(e.requestId ? [str('request_id', e.requestId)] : []),
                str('input_tokens', String(e.input)),
                str('output_tokens', String(e.output)),
                str('cache_read_tokens', String(e.cacheRead)),
                str('cache_creation_tokens', String(e.cacheCreation)),
                str('cost_usd', String(e.costUsd)),
                str('duration_ms', '1200'),
              ],
            })),
          },
        ],
      },
    ],
  };
}

export function encodeMetrics(json: Record<string, unknown>): Uint8Array {
  return MetricsRequest.encode(MetricsRequest.fromObject(json)).finish();
}

export function encodeLogs(json: Record<string, unknown>): Uint8Array {
  return LogsRequest.encode(LogsRequest.fromObject(json)).finish();
}
