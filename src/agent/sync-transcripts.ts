import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TaktError } from '../lib/errors.ts';
import { findTranscriptFiles } from '../transcripts/find-transcripts.ts';
import { mergeRecord, readTranscriptRecords, recordKey, type SyncRecord } from '../transcripts/transcript-records.ts';
import { loadSyncState, type QueuedHit, type SyncState, saveSyncState, syncStateFile } from './sync-state.ts';
import { postToServer, ServerAway } from './upload.ts';

export interface SyncOptions {
  server: string;
  token: string | undefined;
  /** TAKT_HOME: the state file and the status line's rate-limits.json live there. */
  home: string;
  projectDirs: string[];
  /** host.name of this machine as telemetry reports it (so both land on one machine). */
  hostName: string;
  /** The Claude account signed in here, when known (sent with records, hits and rate limits). */
  accountUuid?: string | undefined;
  /** Records per request (the server takes up to 5,000). */
  batchSize?: number;
  /**
   * A record changed less than this long ago is held back (watch mode): Claude Code writes a
   * response's lines one after another, and the server keeps the first upload of a key.
   */
  settleMs?: number;
  onProgress?: (p: { files: number; filesDone: number; sent: number; queued: number }) => void;
}

export interface SyncSummary {
  files: number;
  filesRead: number;
  /** Records read from transcripts in this run (after merging repeats). */
  found: number;
  stored: number;
  duplicates: number;
  rejected: number;
  /** Records still waiting for the server. */
  queued: number;
  hitsSent: number;
  hitsQueued: number;
  rateLimitsSent: boolean;
  /** Usage lines without message or request id (not uploadable idempotently, left out). */
  keyless: number;
  /** Why the server could not take everything now (null: it did). */
  serverAway: string | null;
  /**
   * Things the server refused that retrying cannot fix (reported, then dropped), and status-line
   * rate limits it could not put on an account yet (reported, kept for the next sync).
   */
  errors: string[];
}

interface TranscriptUsageAnswer {
  received: number;
  stored: number;
  duplicates: number;
  rejected: { index: number; message: string }[];
}

/**
 * `takt sync`: uploads the transcripts' usage records the server has not acknowledged, their
 * limit hits as limit events and the status line's kept rate limits as official
 * observations. One instance keeps its state between runs of a watch loop; every change
 * is saved before the next request, so an interrupted sync resumes where it stopped.
 */
export class TranscriptSync {
  private readonly file: string;
  private state: SyncState;
  private readonly queue = new Map<string, SyncRecord>();
  /** When each queued record last changed (in memory only: after a restart all are settled). */
  private readonly changedAt = new Map<string, number>();
  private readonly sentHits: Set<string>;
  private verified = false;
  /**
   * captured_at of rate limits the server could not put on an account (none was known): kept
   * for the next `takt sync`, and not asked again in this process (a watch would repeat the refusal).
   */
  private heldRateLimits: string | null = null;
  /** Keys of queued limit hits refused the same way: kept queued for the next `takt sync`. */
  private readonly heldHits = new Set<string>();

  constructor(private readonly options: SyncOptions) {
    this.file = syncStateFile(options.home, options.server, options.projectDirs);
    this.state = loadSyncState(this.file, options.server, options.projectDirs);
    for (const r of this.state.queue) this.queue.set(recordKey(r), r);
    this.sentHits = new Set(this.state.sentHits);
  }

  get stateFile(): string {
    return this.file;
  }

  async runOnce(now = Date.now()): Promise<SyncSummary> {
    const summary: SyncSummary = {
      files: 0,
      filesRead: 0,
      found: 0,
      stored: 0,
      duplicates: 0,
      rejected: 0,
      queued: 0,
      hitsSent: 0,
      hitsQueued: 0,
      rateLimitsSent: false,
      keyless: 0,
      serverAway: null,
      errors: [],
    };
    const batch = this.options.batchSize ?? 2000;
    // Once per process, before reading anything: a wrong token or URL is said at once,
    // not after a long first read (an empty batch stores nothing).
    if (!this.verified) {
      try {
        await this.postRecords([]);
        this.verified = true;
      } catch (error) {
        if (!(error instanceof ServerAway)) throw error;
        summary.serverAway = error.message;
      }
    }
    const files = findTranscriptFiles(this.options.projectDirs);
    summary.files = files.length;
    const seenPaths = new Set<string>();
    let sent = 0;
    for (const [i, f] of files.entries()) {
      seenPaths.add(f.path);
      const st = statSync(f.path, { throwIfNoEntry: false });
      if (!st) continue;
      const known = this.state.files[f.path];
      // A replaced or shrunk file is read again from its start: what it repeats is a duplicate.
      const same = known !== undefined && known.dev === st.dev && known.ino === st.ino && known.offset <= st.size;
      const offset = same ? known.offset : 0;
      if (offset < st.size) {
        const read = readTranscriptRecords(f.path, offset, st.size);
        summary.filesRead++;
        summary.keyless += read.keyless;
        for (const r of read.records) this.enqueue(r, now, summary);
        for (const h of read.hits) this.enqueueHit(h);
        this.state.files[f.path] = { dev: st.dev, ino: st.ino, offset: read.nextOffset };
      } else if (!same) {
        this.state.files[f.path] = { dev: st.dev, ino: st.ino, offset: 0 };
      }
      // A large first upload sends as it reads, so the queue (and the state file) stays small.
      if (summary.serverAway === null && this.sendableCount(now) >= batch) {
        sent += await this.sendRecords(now, summary, false);
      }
      this.options.onProgress?.({ files: files.length, filesDone: i + 1, sent, queued: this.queue.size });
    }
    // Files that are gone: forget their offsets (their records were read, and queued or sent).
    for (const path of Object.keys(this.state.files)) if (!seenPaths.has(path)) delete this.state.files[path];
    this.save();
    if (summary.serverAway === null) await this.sendRecords(now, summary, true);
    if (summary.serverAway === null) await this.sendHits(summary);
    if (summary.serverAway === null) await this.sendRateLimits(summary);
    summary.queued = this.queue.size;
    summary.hitsQueued = this.state.hits.length;
    this.save();
    return summary;
  }

  private enqueue(r: SyncRecord, now: number, summary: SyncSummary): void {
    const key = recordKey(r);
    const queued = this.queue.get(key);
    if (queued) mergeRecord(queued, r);
    else {
      this.queue.set(key, r);
      summary.found++;
    }
    this.changedAt.set(key, now);
  }

  private enqueueHit(h: {
    key: string;
    at: number;
    sessionId: string | null;
    window: string | null;
    resetsAt: number | null;
  }): void {
    // A 429 that names no plan window (an API key's rate limit) is not a plan limit event.
    if (h.window === null || this.sentHits.has(h.key) || this.state.hits.some((q) => q.key === h.key)) return;
    this.state.hits.push({ key: h.key, at: h.at, session_id: h.sessionId, window: h.window, resets_at: h.resetsAt });
  }

  private settled(key: string, now: number): boolean {
    const settle = this.options.settleMs ?? 0;
    return settle <= 0 || (this.changedAt.get(key) ?? 0) <= now - settle;
  }

  private sendableCount(now: number): number {
    if ((this.options.settleMs ?? 0) <= 0) return this.queue.size;
    let n = 0;
    for (const key of this.queue.keys()) if (this.settled(key, now)) n++;
    return n;
  }

  /** Sends settled records in batches (only full ones unless `all`); returns how many were acknowledged. */
  private async sendRecords(now: number, summary: SyncSummary, all: boolean): Promise<number> {
    const batchSize = this.options.batchSize ?? 2000;
    let acknowledged = 0;
    for (;;) {
      const keys: string[] = [];
      for (const key of this.queue.keys()) {
        if (keys.length >= batchSize) break;
        if (this.settled(key, now)) keys.push(key);
      }
      if (keys.length === 0 || (!all && keys.length < batchSize)) return acknowledged;
      const records = keys.map((k) => this.queue.get(k) as SyncRecord);
      let answer: { status: number; body: TranscriptUsageAnswer };
      try {
        answer = await this.postRecords(records);
      } catch (error) {
        if (error instanceof ServerAway) {
          summary.serverAway = error.message;
          return acknowledged;
        }
        throw error;
      }
      summary.stored += answer.body.stored;
      summary.duplicates += answer.body.duplicates;
      summary.rejected += answer.body.rejected.length;
      for (const r of answer.body.rejected.slice(0, 3)) {
        summary.errors.push(`record ${recordKey(records[r.index] as SyncRecord)} rejected: ${r.message}`);
      }
      // Acknowledged (stored, duplicate or rejected for good): out of the queue, saved at once.
      for (const k of keys) {
        this.queue.delete(k);
        this.changedAt.delete(k);
      }
      acknowledged += keys.length;
      this.save();
    }
  }

  private postRecords(records: SyncRecord[]) {
    return postToServer<TranscriptUsageAnswer>(
      this.options.server,
      '/api/transcript-usage',
      {
        host_name: this.options.hostName,
        ...(this.options.accountUuid ? { account_uuid: this.options.accountUuid } : {}),
        records,
      },
      this.options.token,
    );
  }

  private async sendHits(summary: SyncSummary): Promise<void> {
    let i = 0;
    while (i < this.state.hits.length) {
      const hit = this.state.hits[i] as QueuedHit;
      if (this.heldHits.has(hit.key)) {
        i++;
        continue;
      }
      try {
        await postToServer(
          this.options.server,
          '/api/limit-events',
          {
            kind: 'hit_limit',
            window: hit.window,
            at: new Date(hit.at).toISOString(),
            ...(hit.resets_at !== null ? { resets_at: new Date(hit.resets_at).toISOString() } : {}),
            ...(hit.session_id !== null ? { session_id: hit.session_id } : {}),
            ...(this.options.accountUuid ? { account_uuid: this.options.accountUuid } : {}),
            source: 'transcript',
          },
          this.options.token,
        );
        summary.hitsSent++;
      } catch (error) {
        if (error instanceof ServerAway) {
          summary.serverAway = error.message;
          return;
        }
        if (error instanceof TaktError && error.code === 'unprocessable') {
          // No account to put it on yet (as for the rate limits below): it stays queued.
          this.heldHits.add(hit.key);
          summary.errors.push(accountUnknown(`limit hit at ${new Date(hit.at).toISOString()}`));
          i++;
          continue;
        }
        if (!refusedForGood(error)) throw error;
        summary.errors.push(`limit hit at ${new Date(hit.at).toISOString()} not recorded: ${(error as Error).message}`);
      }
      this.state.hits.splice(i, 1);
      this.sentHits.add(hit.key);
      this.state.sentHits.push(hit.key);
      this.save();
    }
  }

  /** The status line's kept rate limits (TAKT_HOME/rate-limits.json), once per capture. */
  private async sendRateLimits(summary: SyncSummary): Promise<void> {
    let kept: { captured_at?: unknown; session_id?: unknown; five_hour?: unknown; seven_day?: unknown };
    try {
      kept = JSON.parse(readFileSync(join(this.options.home, 'rate-limits.json'), 'utf8'));
    } catch {
      return; // none kept (no status line, or Claude Code sent none): nothing to send
    }
    if (
      typeof kept.captured_at !== 'string' ||
      kept.captured_at === this.state.rateLimitsSent ||
      kept.captured_at === this.heldRateLimits
    )
      return;
    const rateLimits: Record<string, unknown> = {};
    if (kept.five_hour) rateLimits.five_hour = kept.five_hour;
    if (kept.seven_day) rateLimits.seven_day = kept.seven_day;
    try {
      await postToServer(
        this.options.server,
        '/api/official-usage',
        {
          source: 'statusline',
          captured_at: kept.captured_at,
          ...(typeof kept.session_id === 'string' && kept.session_id !== '' ? { session_id: kept.session_id } : {}),
          ...(this.options.accountUuid ? { account_uuid: this.options.accountUuid } : {}),
          rate_limits: rateLimits,
        },
        this.options.token,
      );
      summary.rateLimitsSent = true;
    } catch (error) {
      if (error instanceof ServerAway) {
        summary.serverAway = error.message;
        return;
      }
      if (error instanceof TaktError && error.code === 'unprocessable') {
        // The server cannot tell whose account the reading is (resolve-account.ts): it is not
        // wrong, the account is just not known yet, so it stays for the next sync.
        this.heldRateLimits = kept.captured_at;
        summary.errors.push(accountUnknown('status line rate limits'));
        return;
      }
      if (!refusedForGood(error)) throw error;
      summary.errors.push(`status line rate limits not recorded: ${(error as Error).message}`);
    }
    this.state.rateLimitsSent = kept.captured_at;
    this.save();
  }

  private save(): void {
    this.state.queue = [...this.queue.values()];
    saveSyncState(this.file, this.state);
  }
}

/**
 * The server could not put a reading on an account, in a CLI user's words (the server says
 * "send account_uuid" to API clients). Only sent without an account: with one, the server
 * takes it (or refuses it for good, past the per-user cap).
 */
function accountUnknown(what: string): string {
  return `${what} not recorded yet: the server cannot tell which Claude account is meant, and no ~/.claude.json here names the account Claude Code is signed in with (Claude Code writes it at sign-in). Run Claude Code once and sign in, or pass --account UUID (the oauthAccount.accountUuid of ~/.claude.json on a machine signed in with that account); kept for the next takt sync`;
}

/** A refusal that sending again cannot change (a bad body, no account known); a bad token is not one. */
function refusedForGood(error: unknown): boolean {
  return error instanceof TaktError && error.code !== 'unauthenticated' && error.code !== 'forbidden';
}
