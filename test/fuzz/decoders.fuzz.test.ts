import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { mapLogsExport, mapMetricsExport } from '../../src/ingest/claude-code.ts';
import { decodeLogsRequest, decodeMetricsRequest } from '../../src/ingest/otlp-decode.ts';
import { nanosToMillis } from '../../src/ingest/otlp-values.ts';
import { EARLIEST_USAGE_MS, MAX_TOKENS_PER_POINT } from '../../src/ingest/sane-values.ts';
import { isTaktError } from '../../src/lib/errors.ts';
import type { EventObservation, MetricObservation } from '../../src/recording/observations.ts';
import { type Body, exportBody } from './otlp-arbitraries.ts';

/**
 * The decoders in-process, for volume: 100,000 generated and mutated export bodies (protobuf
 * and JSON, metrics and logs, a share gzipped). Each either decodes, with only sane numbers
 * in its observations, or is refused with a TaktError (400, its message) — never another
 * exception, never a token count outside 0…2^40, a fraction, or a date outside the range.
 */
const RUNS = 100_000;

type Outcome = 'mapped' | 'refused' | 'crashed';

function decode(body: Body): {
  outcome: Outcome;
  observations: (MetricObservation | EventObservation)[];
  crash?: string;
} {
  try {
    const bytes = body.gzip ? gunzipSync(body.bytes) : body.bytes;
    const mapped =
      body.signal === 'metrics'
        ? mapMetricsExport(decodeMetricsRequest(bytes, body.encoding))
        : mapLogsExport(decodeLogsRequest(bytes, body.encoding));
    return { outcome: 'mapped', observations: mapped.observations };
  } catch (error) {
    if (isTaktError(error) && error.code === 'bad_request') return { outcome: 'refused', observations: [] };
    return { outcome: 'crashed', observations: [], crash: String((error as Error).stack ?? error) };
  }
}

/** What would be stored from an observation, when it is out of range. */
function insane(o: MetricObservation | EventObservation): string | undefined {
  const timeMs = o.type === 'metric' ? nanosToMillis(o.timeNs) : o.timeMs;
  if (!(timeMs >= EARLIEST_USAGE_MS && timeMs <= Date.now() + 31 * 86_400_000)) return `time ${timeMs}`;
  const counts =
    o.type === 'metric'
      ? o.target.kind === 'usage' && o.target.field !== 'cost_usd'
        ? [o.value]
        : []
      : o.target.kind === 'usage'
        ? [
            o.target.tokens.input_tokens,
            o.target.tokens.output_tokens,
            o.target.tokens.cache_read_tokens,
            o.target.tokens.cache_creation_tokens,
          ]
        : [];
  const bad = counts.find((n) => !(Number.isInteger(n) && n >= 0 && n < MAX_TOKENS_PER_POINT));
  if (bad !== undefined) return `token count ${bad}`;
  const cost =
    o.type === 'metric'
      ? o.target.kind === 'usage' && o.target.field === 'cost_usd'
        ? o.value
        : 0
      : o.target.kind === 'usage'
        ? o.target.tokens.cost_usd
        : 0;
  if (!(Number.isFinite(cost) && cost >= 0)) return `cost ${cost}`;
  return undefined;
}

it(`decodes or refuses ${RUNS.toLocaleString('en')} generated and mutated bodies, never crashing, storing nothing absurd`, () => {
  const tally: Record<Outcome, number> = { mapped: 0, refused: 0, crashed: 0 };
  const crashes: string[] = [];
  const absurd: string[] = [];
  let observations = 0;
  fc.assert(
    fc.property(exportBody, (body) => {
      const r = decode(body);
      tally[r.outcome]++;
      observations += r.observations.length;
      if (r.crash && crashes.length < 5) crashes.push(r.crash);
      for (const o of r.observations) {
        const why = insane(o);
        if (why && absurd.length < 5) absurd.push(why);
      }
    }),
    { numRuns: RUNS, seed: 20261201 },
  );
  expect(crashes).toEqual([]);
  expect(absurd).toEqual([]);
  expect(tally.crashed).toBe(0);
  // Both paths were exercised in volume.
  expect(tally.mapped).toBeGreaterThan(RUNS / 4);
  expect(tally.refused).toBeGreaterThan(RUNS / 20);
  expect(observations).toBeGreaterThan(RUNS / 4);
}, 300_000);
