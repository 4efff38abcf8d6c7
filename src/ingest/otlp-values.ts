import type { AnyValue, Int64, KeyValue } from './otlp-types.ts';

/** An attribute value flattened to what takt stores: text or number (or boolean). */
export type AttributeValue = string | number | boolean;
export type Attributes = Map<string, AttributeValue>;

/** 64-bit integer (Long, number or decimal string) as an exact decimal string. */
export function int64ToString(value: Int64 | undefined | null): string {
  if (value === undefined || value === null) return '0';
  if (typeof value === 'string') return /^-?\d+$/.test(value) ? value.replace(/^(-?)0+(?=\d)/, '$1') : '0';
  if (typeof value === 'number') return Number.isFinite(value) ? BigInt(Math.trunc(value)).toString() : '0';
  return value.toString();
}

export function int64ToNumber(value: Int64 | undefined | null): number {
  return Number(int64ToString(value));
}

/** Nanoseconds since the epoch (exact string) to milliseconds. */
export function nanosToMillis(nanos: string): number {
  return Number(BigInt(nanos) / 1_000_000n);
}

export function anyValueToPrimitive(v: AnyValue | null | undefined): AttributeValue | undefined {
  if (!v) return undefined;
  // protobufjs sets the oneof discriminator in `value` for decoded messages; JSON-built
  // messages may not have it, so check the fields themselves.
  if (v.stringValue !== undefined && v.stringValue !== null && (v.value === undefined || v.value === 'stringValue'))
    return v.stringValue;
  if (v.intValue !== undefined && v.intValue !== null && (v.value === undefined || v.value === 'intValue'))
    return int64ToNumber(v.intValue);
  if (v.doubleValue !== undefined && v.doubleValue !== null && (v.value === undefined || v.value === 'doubleValue'))
    return v.doubleValue;
  if (v.boolValue !== undefined && v.boolValue !== null && (v.value === undefined || v.value === 'boolValue'))
    return v.boolValue;
  if (v.arrayValue?.values) return JSON.stringify(v.arrayValue.values.map(anyValueToPrimitive));
  return undefined;
}

export function attributesOf(list: KeyValue[] | undefined | null): Attributes {
  const out: Attributes = new Map();
  if (!list) return out;
  for (const kv of list) {
    const v = anyValueToPrimitive(kv.value);
    if (v !== undefined) out.set(kv.key, v);
  }
  return out;
}

/** Attribute values arrive as strings, ints or doubles: read one as text. */
export function attrString(attrs: Attributes, key: string): string | undefined {
  const v = attrs.get(key);
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : String(v);
}

/** Read one as a finite number; numeric strings count ("123", "0.5"). */
export function attrNumber(attrs: Attributes, key: string): number | undefined {
  const v = attrs.get(key);
  if (v === undefined || typeof v === 'boolean') return undefined;
  const n = typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
}
