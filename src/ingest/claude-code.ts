import { identityDigest } from '../lib/identity-digest.ts';
import { emptyUsage, TOKEN_FIELDS } from '../lib/usage-counts.ts';
import type {
  AccountRef,
  EventObservation,
  MetricObservation,
  MetricTarget,
  MetricUsageField,
  TelemetryContext,
  UsageTokens,
} from '../recording/observations.ts';
import {
  AGGREGATION_TEMPORALITY_CUMULATIVE,
  AGGREGATION_TEMPORALITY_DELTA,
  type ExportLogsRequest,
  type ExportMetricsRequest,
  type NumberDataPoint,
} from './otlp-types.ts';
import {
  type Attributes,
  anyValueToPrimitive,
  attributesOf,
  attrNumber,
  attrString,
  int64ToString,
  nanosToMillis,
} from './otlp-values.ts';
import { attributeAsNumber, type Checked, checkCostUsd, checkTokenCount, checkUsageTime } from './sane-values.ts';

/**
 * Maps Claude Code's OpenTelemetry (claude_code.* metrics and events, see
 * docs/claude-code-telemetry.md) to plain observations. Knows no SQL and no user:
 * the recorder in recording/ de-duplicates and stores them.
 */

export interface MappedExport<T> {
  observations: T[];
  /** Points or records that were malformed: counted for partial_success, with the first reasons. */
  rejected: number;
  errors: string[];
}

const USAGE_TYPES: Record<string, MetricUsageField> = {
  input: 'input_tokens',
  output: 'output_tokens',
  cacheRead: 'cache_read_tokens',
  cacheCreation: 'cache_creation_tokens',
};

/** Counters kept as activity, with the point attributes worth keeping. */
const ACTIVITY_METRICS: Record<string, readonly string[]> = {
  'claude_code.session.count': [],
  'claude_code.active_time.total': ['type'],
  'claude_code.lines_of_code.count': ['type'],
  'claude_code.commit.count': [],
  'claude_code.pull_request.count': [],
  'claude_code.code_edit_tool.decision': ['tool_name', 'tool', 'decision', 'source', 'language'],
};

/** Events kept as activity (besides api_request, which is usage), with their kept attributes. */
const ACTIVITY_EVENTS: Record<string, readonly string[]> = {
  user_prompt: ['prompt_length'],
  tool_result: ['tool_name', 'success', 'duration_ms', 'error', 'decision', 'source'],
  tool_decision: ['tool_name', 'decision', 'source'],
  api_error: ['model', 'error', 'status_code', 'duration_ms', 'attempt'],
};

/**
 * The attributes as one canonical text: `key=type:value` sorted by key, joined by U+0001.
 * Part of stored dedupe keys, so it must never change. Written as plain loops: it runs for
 * every data point.
 */
function sortedAttributeText(attrs: Attributes, without?: string): string {
  const keys: string[] = [];
  for (const k of attrs.keys()) if (k !== without) keys.push(k);
  keys.sort(); // strings by UTF-16 code units, as `<` compares them
  let text = '';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const v = attrs.get(k);
    text += `${i === 0 ? '' : '\u0001'}${k}=${typeof v}:${String(v)}`;
  }
  return text;
}

function accountOf(attrs: Attributes, resource: Attributes): AccountRef | null {
  const pick = (k: string) => attrString(attrs, k) ?? attrString(resource, k) ?? null;
  const accountUuid = pick('user.account_uuid');
  const organizationId = pick('organization.id');
  const email = pick('user.email');
  const key = accountUuid ?? organizationId ?? email;
  if (!key) return null;
  return { key, accountUuid, organizationId, email };
}

function contextOf(attrs: Attributes, resource: Attributes): TelemetryContext {
  return {
    hostName: attrString(resource, 'host.name') ?? attrString(attrs, 'host.name') ?? '',
    account: accountOf(attrs, resource),
    sessionId: attrString(attrs, 'session.id') ?? attrString(resource, 'session.id') ?? '',
  };
}

function keep(attrs: Attributes, keys: readonly string[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const k of keys) {
    const v = attrs.get(k);
    if (v !== undefined) out[k] = typeof v === 'boolean' ? String(v) : v;
  }
  return out;
}

function pointValue(p: NumberDataPoint): number {
  if (p.value === 'asInt' || (p.value === undefined && p.asInt !== undefined && p.asInt !== null))
    return Number(int64ToString(p.asInt));
  return typeof p.asDouble === 'number' ? p.asDouble : Number.NaN;
}

export function mapMetricsExport(request: ExportMetricsRequest): MappedExport<MetricObservation> {
  const out: MappedExport<MetricObservation> = { observations: [], rejected: 0, errors: [] };
  const reject = (why: string) => {
    out.rejected++;
    if (out.errors.length < 5) out.errors.push(why);
  };
  const groups = new Map<string, { key: string; ctx: TelemetryContext }>();
  for (const rm of request.resourceMetrics ?? []) {
    const resource = attributesOf(rm.resource?.attributes);
    const resourceText = sortedAttributeText(resource);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        const name = metric.name ?? '';
        const isUsage = name === 'claude_code.token.usage' || name === 'claude_code.cost.usage';
        const activityKeys = ACTIVITY_METRICS[name];
        // Unknown metrics are accepted and ignored: other instrumentation may share the endpoint.
        if (!isUsage && !activityKeys) continue;
        const sum = metric.sum;
        if (!sum) {
          reject(`${name}: expected a Sum (counter), got ${metric.data ?? 'another type'}`);
          continue;
        }
        const temporality =
          sum.aggregationTemporality === AGGREGATION_TEMPORALITY_CUMULATIVE
            ? 'cumulative'
            : sum.aggregationTemporality === AGGREGATION_TEMPORALITY_DELTA
              ? 'delta'
              : undefined;
        for (const point of sum.dataPoints ?? []) {
          if (!temporality) {
            reject(`${name}: aggregation_temporality must be DELTA (1) or CUMULATIVE (2)`);
            continue;
          }
          const attrs = attributesOf(point.attributes);
          const value = pointValue(point);
          const timeNs = int64ToString(point.timeUnixNano);
          const startNs = int64ToString(point.startTimeUnixNano);
          const checked =
            name === 'claude_code.cost.usage'
              ? checkCostUsd(value, `${name}: the value`)
              : name === 'claude_code.token.usage'
                ? checkTokenCount(value, `${name}: the value`)
                : checkActivityValue(value, `${name}: the value`);
          if (checked.error !== undefined) {
            reject(checked.error);
            continue;
          }
          if (timeNs === '0') {
            reject(`${name}: time_unix_nano is required`);
            continue;
          }
          // The point's time dates the usage; its start only orders a series (SDKs send 0 or 1 too).
          const badTime = checkUsageTime(nanosToMillis(timeNs), `${name}: time_unix_nano`).error;
          if (badTime !== undefined) {
            reject(badTime);
            continue;
          }
          let target: MetricTarget;
          if (name === 'claude_code.cost.usage') {
            target = { kind: 'usage', field: 'cost_usd', model: attrString(attrs, 'model') ?? '' };
          } else if (name === 'claude_code.token.usage') {
            const field = USAGE_TYPES[attrString(attrs, 'type') ?? ''];
            if (!field) {
              reject(`${name}: attribute "type" must be one of input, output, cacheRead, cacheCreation`);
              continue;
            }
            target = { kind: 'usage', field, model: attrString(attrs, 'model') ?? '' };
          } else {
            target = { kind: 'activity', name, attributes: keep(attrs, activityKeys ?? []) };
          }
          // Usage points group without their type (one row per session, model and interval);
          // activity points are their own group.
          const text =
            target.kind === 'usage'
              ? `${resourceText}\u0002${sortedAttributeText(attrs, 'type')}`
              : `${resourceText}\u0002${name}\u0002${sortedAttributeText(attrs)}`;
          // The points of a group share one key string and one context object: the context
          // is worked out once, and a context object is copied once to the writer thread.
          let group = groups.get(text);
          if (group === undefined) {
            group = { key: text, ctx: contextOf(attrs, resource) };
            groups.set(text, group);
          }
          const groupKey = group.key;
          out.observations.push({
            type: 'metric',
            // Only cumulative points need a series identity (their state is kept per series).
            seriesKey:
              temporality === 'cumulative' ? identityDigest([name, groupKey, attrString(attrs, 'type') ?? '']) : '',
            groupKey,
            temporality,
            startNs,
            timeNs,
            value,
            ctx: group.ctx,
            target,
          });
        }
      }
    }
  }
  return out;
}

function eventNameOf(attrs: Attributes, eventName: string | undefined, body: unknown): string {
  const raw = attrString(attrs, 'event.name') || eventName || (typeof body === 'string' ? body : '') || '';
  return raw.startsWith('claude_code.') ? raw.slice('claude_code.'.length) : raw;
}

/** Activity counters (lines, commits, seconds active): finite, non-negative, in the token range. */
function checkActivityValue(value: number, what: string): Checked {
  if (Number.isFinite(value) && value >= 0 && value < 2 ** 40) return { value };
  return { error: `${what} must be a finite number from 0 to under 2^40, got ${value}` };
}

/**
 * The token counts and cost of an api_request event, each checked: a missing attribute
 * is 0 (older versions send no 5m/1h split), a present one must be in range — "-500",
 * "NaN", "12.7" or "0x10" reject the record with its reason instead of being stored.
 */
function requestUsageOf(attrs: Attributes): { tokens: UsageTokens; error?: undefined } | { error: string } {
  const tokens: UsageTokens = emptyUsage();
  // api_request attributes are named like takt's token fields (docs/claude-code-telemetry.md).
  for (const key of TOKEN_FIELDS) {
    const raw = attrs.get(key);
    if (raw === undefined) continue;
    const checked = checkTokenCount(attributeAsNumber(raw), `api_request: ${key} (${JSON.stringify(raw)})`);
    if (checked.error !== undefined) return { error: checked.error };
    tokens[key] = checked.value;
  }
  const cost = attrs.get('cost_usd');
  if (cost !== undefined) {
    const checked = checkCostUsd(attributeAsNumber(cost), `api_request: cost_usd (${JSON.stringify(cost)})`);
    if (checked.error !== undefined) return { error: checked.error };
    tokens.cost_usd = checked.value;
  }
  return { tokens };
}

export function mapLogsExport(request: ExportLogsRequest): MappedExport<EventObservation> {
  const out: MappedExport<EventObservation> = { observations: [], rejected: 0, errors: [] };
  const reject = (why: string) => {
    out.rejected++;
    if (out.errors.length < 5) out.errors.push(why);
  };
  for (const rl of request.resourceLogs ?? []) {
    const resource = attributesOf(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      for (const record of sl.logRecords ?? []) {
        const attrs = attributesOf(record.attributes);
        const name = eventNameOf(attrs, record.eventName, anyValueToPrimitive(record.body));
        const activityKeys = ACTIVITY_EVENTS[name];
        // Unknown events are accepted and ignored.
        if (name !== 'api_request' && !activityKeys) continue;
        const ctx = contextOf(attrs, resource);
        const stamp = attrString(attrs, 'event.timestamp');
        const stampMs = stamp ? Date.parse(stamp) : Number.NaN;
        const timeNs = int64ToString(record.timeUnixNano);
        const observedNs = int64ToString(record.observedTimeUnixNano);
        const timeMs = Number.isFinite(stampMs)
          ? stampMs
          : timeNs !== '0'
            ? nanosToMillis(timeNs)
            : observedNs !== '0'
              ? nanosToMillis(observedNs)
              : Number.NaN;
        if (!Number.isFinite(timeMs)) {
          reject(`${name}: the record has no time (event.timestamp or time_unix_nano)`);
          continue;
        }
        const badTime = checkUsageTime(timeMs, `${name}: the time`).error;
        if (badTime !== undefined) {
          reject(badTime);
          continue;
        }
        // (session.id, event.sequence) alone is not unique: every process restarts the
        // sequence and --continue reuses the session id, so the time is part of the key.
        const sequence = attrString(attrs, 'event.sequence') ?? '';
        const fallbackKey = `e:${name}:${ctx.sessionId}:${stamp ?? timeNs}:${sequence}:${attrString(attrs, 'prompt.id') ?? ''}`;
        if (name === 'api_request') {
          const requestId = attrString(attrs, 'request_id') ?? attrString(attrs, 'request.id') ?? null;
          const usage = requestUsageOf(attrs);
          if (usage.error !== undefined) {
            reject(usage.error);
            continue;
          }
          const tokens = usage.tokens;
          out.observations.push({
            type: 'event',
            key: requestId ? `e:req:${requestId}` : fallbackKey,
            timeMs,
            ctx,
            target: { kind: 'usage', model: attrString(attrs, 'model') ?? '', requestId, tokens },
          });
        } else {
          const duration = attrNumber(attrs, 'duration_ms');
          out.observations.push({
            type: 'event',
            key: fallbackKey,
            timeMs,
            ctx,
            target: {
              kind: 'activity',
              name: `claude_code.${name}`,
              value: duration ?? 1,
              attributes: keep(attrs, activityKeys ?? []),
            },
          });
        }
      }
    }
  }
  return out;
}
