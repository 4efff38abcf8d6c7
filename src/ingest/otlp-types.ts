/**
 * The decoded shape of the OTLP messages takt reads (protobufjs message objects;
 * fields absent from the wire read as their proto3 defaults). 64-bit integers are
 * Long objects from protobuf, and may be numbers or strings when built from JSON.
 */
export interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
  toString(): string;
}
export type Int64 = LongLike | number | string;

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: Uint8Array;
  value?: string;
}
export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}
export interface Resource {
  attributes?: KeyValue[];
}
export interface InstrumentationScope {
  name?: string;
  version?: string;
}

export interface NumberDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
  value?: 'asDouble' | 'asInt';
}
export interface Sum {
  dataPoints?: NumberDataPoint[];
  aggregationTemporality?: number;
  isMonotonic?: boolean;
}
export interface Metric {
  name?: string;
  unit?: string;
  sum?: Sum | null;
  gauge?: { dataPoints?: NumberDataPoint[] } | null;
  histogram?: unknown;
  data?: string;
}
export interface ResourceMetrics {
  resource?: Resource | null;
  scopeMetrics?: { scope?: InstrumentationScope | null; metrics?: Metric[] }[];
}
export interface ExportMetricsRequest {
  resourceMetrics?: ResourceMetrics[];
}

export interface LogRecord {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  body?: AnyValue | null;
  attributes?: KeyValue[];
  eventName?: string;
}
export interface ResourceLogs {
  resource?: Resource | null;
  scopeLogs?: { scope?: InstrumentationScope | null; logRecords?: LogRecord[] }[];
}
export interface ExportLogsRequest {
  resourceLogs?: ResourceLogs[];
}

export const AGGREGATION_TEMPORALITY_DELTA = 1;
export const AGGREGATION_TEMPORALITY_CUMULATIVE = 2;
