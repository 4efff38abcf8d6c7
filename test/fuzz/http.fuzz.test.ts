import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { startTakt, type TestTakt } from '../support/takt-server.ts';
import { exportBody, mutate, mutation } from './otlp-arbitraries.ts';

/**
 * A share of the fuzzing over the wire, against a real server: OTLP/HTTP and OTLP/gRPC
 * exports (generated, mutated, gzip) and JSON bodies for every API route that takes one
 * (from the route table). No 5xx, no hang (each request has a deadline), and an export that
 * is refused leaves the stored totals as they were. Counts are CI-sized; the in-process
 * decoder run (decoders.fuzz.test.ts) carries the volume.
 */
const OTLP_RUNS = 1000;
const GRPC_RUNS = 300;
const API_RUNS = 1500;
let takt: TestTakt;
let grpcClient: grpc.Client;

beforeAll(async () => {
  takt = await startTakt({ env: { TAKT_AUTH_RATE_LIMIT: '100000' } });
  grpcClient = new grpc.Client(takt.grpcAddress, grpc.credentials.createInsecure());
});
afterAll(async () => {
  grpcClient.close();
  await takt.stop();
});

async function totals(): Promise<string> {
  const r = await fetch(`${takt.directUrl}/api/usage?from=2019-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`, {
    headers: { authorization: `Bearer ${takt.token}` },
  });
  return JSON.stringify(((await r.json()) as { totals: unknown }).totals);
}

it(`OTLP/HTTP: ${OTLP_RUNS} bodies, no 5xx, refused ones change nothing`, async () => {
  const statuses = new Map<number, number>();
  const changedByRefused: number[] = [];
  let before = await totals();
  await fc.assert(
    fc.asyncProperty(exportBody, async (body) => {
      const r = await fetch(`${takt.directUrl}/v1/${body.signal}`, {
        method: 'POST',
        body: body.bytes,
        headers: {
          authorization: `Bearer ${takt.token}`,
          'content-type': body.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
          ...(body.gzip ? { 'content-encoding': 'gzip' } : {}),
        },
        signal: AbortSignal.timeout(10_000),
      });
      await r.arrayBuffer();
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const after = await totals();
      if (r.status !== 200 && after !== before) changedByRefused.push(r.status);
      before = after;
    }),
    { numRuns: OTLP_RUNS, seed: 15 },
  );
  expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
  expect(changedByRefused).toEqual([]);
  expect((statuses.get(200) ?? 0) > OTLP_RUNS / 4 && (statuses.get(400) ?? 0) > OTLP_RUNS / 20).toBe(true);
}, 300_000);

it(`OTLP/gRPC: ${GRPC_RUNS} protobuf bodies, no INTERNAL or UNKNOWN, refused ones change nothing`, async () => {
  const codes = new Map<number, number>();
  const changedByRefused: number[] = [];
  const call = (path: string, body: Uint8Array) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${takt.token}`);
    return new Promise<number>((resolve) =>
      grpcClient.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(body),
        metadata,
        { deadline: Date.now() + 10_000 },
        (error) => resolve(error ? error.code : 0),
      ),
    );
  };
  let before = await totals();
  await fc.assert(
    fc.asyncProperty(
      exportBody.filter((b) => b.encoding === 'protobuf' && !b.gzip),
      async (body) => {
        const path =
          body.signal === 'metrics'
            ? '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'
            : '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
        const code = await call(path, body.bytes);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        const after = await totals();
        if (code !== 0 && after !== before) changedByRefused.push(code);
        before = after;
      },
    ),
    { numRuns: GRPC_RUNS, seed: 16 },
  );
  const { INTERNAL, UNKNOWN, DEADLINE_EXCEEDED, UNAVAILABLE } = grpc.status;
  expect([...codes.keys()].filter((c) => [INTERNAL, UNKNOWN, DEADLINE_EXCEEDED, UNAVAILABLE].includes(c))).toEqual([]);
  expect(changedByRefused).toEqual([]);
  expect((codes.get(0) ?? 0) > GRPC_RUNS / 4).toBe(true);
}, 300_000);

/** JSON values of every shape, and the fields the API reads with values of the wrong kind. */
const FIELDS = [
  'email',
  'password',
  'invite_code',
  'machine',
  'count',
  'expires_in',
  'label',
  'host_name',
  'device_code',
  'user_code',
  'resume_code',
  'setup_code',
  'kind',
  'window',
  'at',
  'resets_at',
  'account_uuid',
  'account_id',
  'source',
  'captured_at',
  'usage',
  'rate_limits',
  'session_id',
  'plan',
  'unit',
  'cap',
  'team_seat',
  'current_password',
  'new_password',
];
const apiBody = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue(), { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .tuple(fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue(), { maxKeys: 6 }), mutation)
    .map(([o, m]) => Buffer.from(mutate(Buffer.from(JSON.stringify(o)), m)).toString('latin1')),
  fc.string({ maxLength: 200 }),
);

it(`the JSON API: ${API_RUNS} bodies across every route that reads one, no 5xx`, async () => {
  const app = createApp(takt.server.context);
  const routes = [
    ...new Set(
      app.routes
        .filter((r) => ['POST', 'PATCH', 'PUT'].includes(r.method) && r.path !== '/*')
        .map((r) => `${r.method} ${r.path.replace(':id', '00000000-0000-0000-0000-000000000000')}`),
    ),
  ];
  const statuses = new Map<string, number>();
  const fivexx: string[] = [];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), apiBody, fc.boolean(), async (route, body, authed) => {
      const [method, path] = route.split(' ') as [string, string];
      const r = await fetch(`${takt.directUrl}${path}`, {
        method,
        body,
        headers: {
          'content-type': path === '/auth/device/verify' ? 'application/x-www-form-urlencoded' : 'application/json',
          ...(authed ? { authorization: `Bearer ${takt.token}` } : {}),
        },
        signal: AbortSignal.timeout(10_000),
      });
      await r.arrayBuffer();
      statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
      if (r.status >= 500) fivexx.push(`${route} ${r.status} ${body.slice(0, 80)}`);
    }),
    { numRuns: API_RUNS, seed: 17 },
  );
  expect(fivexx.slice(0, 5)).toEqual([]);
  expect(routes.length).toBeGreaterThanOrEqual(18);
}, 300_000);
