import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { apiRequestLogs, encodeLogs, encodeMetrics, tokenMetrics } from '../support/otlp-payloads.ts';

/**
 * fast-check arbitraries of OTLP export bodies as Claude Code sends them, with absurd values
 * mixed in (negative, fractional, past 2^53, NaN text, hex, dates in 1970 and beyond 2400),
 * and mutations of the encoded bytes (bit flips, truncation, splices, random tails), in
 * protobuf and JSON, plain and gzip.
 */
export const T_NOW = Date.UTC(2026, 10, 25, 12);

const absurdNumber = fc.oneof(
  fc.integer({ min: 0, max: 2_000_000 }),
  fc.constantFrom(-1, -5000, 0.5, 12.7, 2 ** 40, 2 ** 53 + 2, 1e20, 1e308, Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: false }),
);
const sometimeMs = fc.oneof(
  fc.integer({ min: T_NOW - 86_400_000, max: T_NOW }),
  fc.constantFrom(0, 1, 2000, Date.UTC(1970, 5, 1), Date.UTC(2019, 11, 31), Date.UTC(2400, 0, 1), Date.UTC(2500, 0, 1)),
);
const model = fc.constantFrom('claude-sonnet-4-5-20250929', 'claude-opus-4-1', '', 'm\u0000x', 'x'.repeat(300));
const session = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }));
const tokenType = fc.constantFrom('input', 'output', 'cacheRead', 'cacheCreation', 'bogus');

export const metricsJson = fc
  .record({
    host: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
    sessionId: session,
    accountUuid: fc.option(fc.uuid(), { nil: undefined }),
    points: fc.array(fc.record({ model, type: tokenType, value: absurdNumber }), { minLength: 1, maxLength: 6 }),
    costs: fc.array(fc.record({ model, value: absurdNumber }), { maxLength: 2 }),
    startMs: sometimeMs,
    lengthMs: fc.integer({ min: 0, max: 120_000 }),
    temporality: fc.constantFrom('delta' as const, 'cumulative' as const),
  })
  .map((m) =>
    tokenMetrics(
      { host: m.host, sessionId: m.sessionId, accountUuid: m.accountUuid },
      m.points as { model: string; type: 'input'; value: number }[],
      { startMs: m.startMs, timeMs: m.startMs + m.lengthMs, temporality: m.temporality, costs: m.costs },
    ),
  );

const attrText = fc.oneof(
  absurdNumber.map(String),
  fc.constantFrom('NaN', 'Infinity', '-0', '0x10', '1e400', '', ' 7', '99999999999999999999999'),
);

export const logsJson = fc
  .record({
    sessionId: session,
    events: fc.array(
      fc.record({
        model,
        requestId: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        input: fc.integer({ min: 0, max: 100_000 }),
        output: fc.integer({ min: 0, max: 100_000 }),
        cacheRead: fc.integer({ min: 0, max: 100_000 }),
        cacheCreation: fc.integer({ min: 0, max: 100_000 }),
        costUsd: fc.double({ min: 0, max: 10, noNaN: true }),
        timeMs: sometimeMs,
        sequence: fc.integer({ min: 0, max: 1000 }),
        override: fc.option(
          fc.record({
            key: fc.constantFrom('input_tokens', 'output_tokens', 'cost_usd', 'event.timestamp'),
            text: attrText,
          }),
          { nil: undefined },
        ),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map(({ sessionId, events }) => {
    const json = apiRequestLogs({ host: 'fuzz', sessionId }, events) as {
      resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: unknown }[] }[] }[] }[];
    };
    const records = json.resourceLogs[0]?.scopeLogs[0]?.logRecords ?? [];
    events.forEach((e, i) => {
      const attr = e.override ? records[i]?.attributes.find((a) => a.key === e.override?.key) : undefined;
      if (attr && e.override) attr.value = { stringValue: e.override.text };
    });
    return json as Record<string, unknown>;
  });

/** Random edits of bytes: flips, truncation, splices of random bytes, duplication. */
export const mutation = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 12 }) }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
  ),
  { minLength: 1, maxLength: 4 },
);

export type Edits = typeof mutation extends fc.Arbitrary<infer E> ? E : never;

export function mutate(body: Uint8Array, edits: Edits): Uint8Array {
  let b = Buffer.from(body);
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % b.length;
    if (e.kind === 'flip' && b.length > 0) b[at] = (b[at] as number) ^ (1 << e.bit);
    else if (e.kind === 'cut') b = b.subarray(0, at);
    else if (e.kind === 'splice') b = Buffer.concat([b.subarray(0, at), e.bytes, b.subarray(at)]);
    else if (e.kind === 'repeat') b = Buffer.concat([b, b.subarray(at)]);
  }
  return b;
}

export type Body = { signal: 'metrics' | 'logs'; encoding: 'protobuf' | 'json'; gzip: boolean; bytes: Uint8Array };

/** A whole export body: generated, encoded, maybe mutated, maybe gzipped. */
export const exportBody: fc.Arbitrary<Body> = fc
  .record({
    signal: fc.constantFrom('metrics' as const, 'logs' as const),
    encoding: fc.constantFrom('protobuf' as const, 'json' as const),
    gzip: fc.boolean(),
    metrics: metricsJson,
    logs: logsJson,
    edits: fc.option(mutation, { freq: 2, nil: undefined }),
  })
  .map(({ signal, encoding, gzip, metrics, logs, edits }) => {
    const json = signal === 'metrics' ? metrics : logs;
    let bytes: Uint8Array =
      encoding === 'json'
        ? Buffer.from(JSON.stringify(json))
        : signal === 'metrics'
          ? encodeMetrics(json)
          : encodeLogs(json);
    if (edits) bytes = mutate(bytes, edits);
    return { signal, encoding, gzip, bytes: gzip ? gzipSync(bytes) : bytes };
  });
