import { readFileSync, statSync } from 'node:fs';
import { findTranscriptFiles } from './find-transcripts.ts';

/**
 * Hit limits as Claude Code writes them into transcripts. Current versions write an
 * assistant line with `isApiErrorMessage: true`, `error: "rate_limit"`, `apiErrorStatus: 429`,
 * model `<synthetic>` and, for a plan window, `quotaLimits {status: "rejected", resetsAt
 * (epoch s), rateLimitType}` (checked against Claude Code 2.1.330, which writes
 * "You've hit your 5-hour limit · resets 9:15pm (UTC)" as the text: a banner that changes
 * between versions, so the structured fields are read first). Older versions wrote the text
 * `Claude AI usage limit reached|<epoch s>`. A 429 without quotaLimits (an API key's rate
 * limit) is a hit of no known window.
 */
export interface LimitHit {
  /** When the line was written (its `timestamp`), epoch ms. */
  at: number;
  sessionId: string | null;
  /** five_hour, seven_day, seven_day_opus, …; null when the line does not say. */
  window: string | null;
  /** Epoch ms; null when the line does not say. */
  resetsAt: number | null;
  /** Which form the line had. */
  form: 'quota_limits' | 'legacy_text' | 'rate_limit';
  /** Identity of the line (its uuid, else session and time): one hit read twice is one. */
  key: string;
}

const LEGACY = /Claude AI usage limit reached\|(\d{9,13})/;

/** The hit a transcript line records, or null. Never throws: a cut-off or foreign line is no hit. */
export function limitHitOfLine(line: string): LimitHit | null {
  // Cheap filters first: almost no line is a hit, and JSON.parse is the cost.
  const legacy = line.includes('usage limit reached');
  if (!legacy && !line.includes('"rate_limit"')) return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (o === null || typeof o !== 'object' || o.type !== 'assistant') return null;
  const at = Date.parse(String(o.timestamp ?? ''));
  if (!Number.isFinite(at)) return null;
  const sessionId = typeof o.sessionId === 'string' ? o.sessionId : null;
  const key = typeof o.uuid === 'string' ? o.uuid : `${sessionId ?? ''}:${at}`;
  const quota = o.quotaLimits as { status?: unknown; resetsAt?: unknown; rateLimitType?: unknown } | null | undefined;
  if (o.error === 'rate_limit' && quota && typeof quota === 'object' && quota.status === 'rejected') {
    const resets = typeof quota.resetsAt === 'number' && quota.resetsAt > 0 ? quota.resetsAt * 1000 : null;
    const window = typeof quota.rateLimitType === 'string' ? quota.rateLimitType : null;
    return { at, sessionId, window, resetsAt: resets, form: 'quota_limits', key };
  }
  const text = JSON.stringify((o.message as { content?: unknown } | undefined)?.content ?? '');
  const m = LEGACY.exec(text);
  if (m) {
    const n = Number(m[1]);
    return { at, sessionId, window: 'five_hour', resetsAt: n < 1e11 ? n * 1000 : n, form: 'legacy_text', key };
  }
  if (o.error === 'rate_limit' && o.isApiErrorMessage === true) {
    return { at, sessionId, window: null, resetsAt: null, form: 'rate_limit', key };
  }
  return null;
}

/** Every hit in one transcript file, in order, each line once. */
export function limitHitsInFile(path: string): LimitHit[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const hits: LimitHit[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const hit = limitHitOfLine(line);
    if (hit && !seen.has(hit.key)) {
      seen.add(hit.key);
      hits.push(hit);
    }
  }
  return hits;
}

/**
 * The hits written since `since` in the transcripts below these projects directories:
 * only files modified since then are read (a limit that could still be in force is recent).
 */
export function recentLimitHits(projectDirs: readonly string[], since: number): LimitHit[] {
  const hits: LimitHit[] = [];
  for (const f of findTranscriptFiles(projectDirs)) {
    const st = statSync(f.path, { throwIfNoEntry: false });
    if (!st || st.mtimeMs < since) continue;
    for (const hit of limitHitsInFile(f.path)) if (hit.at >= since) hits.push(hit);
  }
  return hits.sort((a, b) => a.at - b.at);
}
