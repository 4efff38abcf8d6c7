import type { TokenIdentity } from '../auth/api-token.ts';
import { isTransientStoreError, TaktError, toTaktError } from '../lib/errors.ts';
import type { TelemetryRecorder } from '../recording/telemetry-recorder.ts';
import { mapLogsExport, mapMetricsExport } from './claude-code.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import {
  decodeLogsRequest,
  decodeMetricsRequest,
  type Encoding,
  type PartialSuccess,
  type Signal,
} from './otlp-decode.ts';

export type Transport = 'http' | 'grpc';

/**
 * One OTLP export, transport-independent: decode, map Claude Code's telemetry,
 * store exactly once. Returns the partial_success to report (OTLP spec: the
 * request is accepted, and the rejected points are counted with a reason).
 */
export async function handleExport(
  deps: { recorder: TelemetryRecorder; metrics: IngestMetrics },
  input: {
    signal: Signal;
    encoding: Encoding;
    body: Uint8Array;
    identity: TokenIdentity;
    transport: Transport;
  },
): Promise<PartialSuccess> {
  const { signal, encoding, body, identity, transport } = input;
  const timer = deps.metrics.exportDuration.startTimer({ signal, transport });
  try {
    if (signal === 'traces') {
      // takt has no use for traces; accepting them keeps exporters that send all signals quiet.
      deps.metrics.exportsTotal.inc({ signal, transport, outcome: 'accepted' });
      return { rejected: 0, errorMessage: '' };
    }
    const mapped =
      signal === 'metrics'
        ? mapMetricsExport(decodeMetricsRequest(body, encoding))
        : mapLogsExport(decodeLogsRequest(body, encoding));
    const result = await deps.recorder.record(identity.user.id, mapped.observations, identity.tokenId);
    deps.metrics.pointsStored.inc({ signal }, result.stored);
    deps.metrics.pointsDuplicate.inc({ signal }, result.duplicates);
    deps.metrics.pointsRejected.inc({ signal }, mapped.rejected);
    deps.metrics.exportsTotal.inc({
      signal,
      transport,
      outcome: mapped.rejected > 0 ? 'partial' : 'accepted',
    });
    return {
      rejected: mapped.rejected,
      errorMessage: mapped.rejected > 0 ? `${mapped.rejected} rejected: ${mapped.errors.join('; ')}` : '',
    };
  } catch (error) {
    deps.metrics.exportsTotal.inc({ signal, transport, outcome: 'rejected' });
    // The original error goes on for the transport to log; a passing store failure becomes 503.
    throw error instanceof TaktError || !isTransientStoreError(error) ? error : toTaktError(error, '');
  } finally {
    timer();
  }
}
