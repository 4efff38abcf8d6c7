import { encodeMetrics, tokenMetrics } from './otlp-payloads.ts';

/**
 * Exporters that behave as Claude Code's OTLP exporter does under faults: each export is
 * sent until it gets a 2xx; a 503/429, a dropped connection or a refused connect means
 * "resend later". Every export is one session's delta point with its own value, so the
 * expected total is known exactly and a point counted twice shows.
 */
export const FAULT_T0 = Date.UTC(2026, 10, 20, 8, 0, 0);

export interface ExportOutcome {
  index: number;
  value: number;
  /** Every status seen for this export, in order; 0 = no answer (connection refused or reset). */
  statuses: number[];
  acknowledgedAt?: number;
}

export function faultExport(index: number): { body: Uint8Array; value: number; session: string } {
  const value = 1000 + index;
  const session = `fault-${index}`;
  const body = encodeMetrics(
    tokenMetrics({ host: 'fault-box', sessionId: session }, [{ model: 'm', type: 'input', value }], {
      startMs: FAULT_T0 + index * 10,
      timeMs: FAULT_T0 + index * 10 + 5,
    }),
  );
  return { body, value, session };
}

/**
 * Runs `count` exports over `workers` concurrent senders against baseUrl() (read at every
 * try, so a restarted server can move), resending until acknowledged or until stop().
 */
export function runExporters(options: {
  baseUrl: () => string;
  token: string;
  count: number;
  workers: number;
  retryDelayMs?: number;
}): { outcomes: ExportOutcome[]; done: Promise<void>; stop(): void } {
  const outcomes: ExportOutcome[] = Array.from({ length: options.count }, (_, index) => ({
    index,
    value: faultExport(index).value,
    statuses: [],
  }));
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < options.count) {
      const outcome = outcomes[next++] as ExportOutcome;
      const { body } = faultExport(outcome.index);
      while (!stopped) {
        const status = await fetch(`${options.baseUrl()}/v1/metrics`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${options.token}` },
          signal: AbortSignal.timeout(10_000),
        }).then(
          async (r) => {
            await r.arrayBuffer();
            return r.status;
          },
          () => 0,
        );
        outcome.statuses.push(status);
        if (status >= 200 && status < 300) {
          outcome.acknowledgedAt = Date.now();
          break;
        }
        await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 100));
      }
    }
  };
  const done = Promise.all(Array.from({ length: options.workers }, worker)).then(() => {});
  return {
    outcomes,
    done,
    stop() {
      stopped = true;
    },
  };
}

/** Input tokens per fault session, read over the API. */
export async function storedBySession(baseUrl: string, token: string): Promise<Map<string, number>> {
  const from = new Date(FAULT_T0 - 3_600_000).toISOString();
  const to = new Date(FAULT_T0 + 86_400_000).toISOString();
  const r = await fetch(`${baseUrl}/api/usage?from=${from}&to=${to}&group_by=session`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await r.json()) as { groups: { key: string; input_tokens: number }[] };
  return new Map(body.groups.map((g) => [g.key, g.input_tokens]));
}
