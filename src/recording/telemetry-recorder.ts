import type { Changes } from '../lib/changes.ts';
import { TaktError } from '../lib/errors.ts';
import type { Store } from '../store/store.ts';
import { type LinkTriggers, linkTriggers } from './link-unlinked-usage.ts';
import { type Observation, type RecordResult, type TelemetryJob, writeJobs } from './telemetry-jobs.ts';

export type { Observation, RecordResult } from './telemetry-jobs.ts';

interface Job extends TelemetryJob {
  resolve: (r: RecordResult) => void;
  reject: (e: unknown) => void;
}

/** Writes a group of jobs in one transaction; in this thread or in the writer thread (writer-thread.ts). */
export interface JobWriter {
  write(jobs: TelemetryJob[]): Promise<RecordResult[]>;
  close(): Promise<void>;
}

/** `accountsPerUserMax`: TAKT_MAX_ACCOUNTS_PER_USER (TelemetryNeeds says what happens past it). */
export function inProcessJobWriter(store: Store, options: { accountsPerUserMax?: number } = {}): JobWriter {
  return { write: (jobs) => writeJobs(store.writeTelemetry, jobs, options), close: async () => {} };
}

/**
 * Stores telemetry observations exactly once. Exports that arrive together are
 * written in one transaction (group commit): with synchronous=FULL every commit
 * waits for the disk, so one commit per batch of exports instead of one per export
 * is what lets a durable SQLite keep up. A caller's promise resolves only after its
 * observations are committed, so an acknowledged export is never lost.
 */
export class TelemetryRecorder {
  private queue: Job[] = [];
  private flushing: Promise<void> | undefined;
  private readonly writer: JobWriter;
  private readonly maxBatch: number;
  /** Told, after the commit, of each user whose job stored something new. */
  private readonly changes: Pick<Changes, 'publish'> | undefined;

  private readonly dryRun: boolean;
  /** Links earlier usage whose account is now known (link-unlinked-usage.ts); returns records moved. */
  private readonly link: ((userId: string, triggers: LinkTriggers) => Promise<number>) | undefined;
  /** Of a commit's users, those that may have something to link (one query); absent: all of them. */
  private readonly linkCandidates: ((userIds: string[]) => Promise<Set<string>>) | undefined;
  private readonly onLinkError: (error: unknown) => void;

  constructor(
    writer: JobWriter,
    options: {
      maxBatch?: number;
      dryRun?: boolean;
      changes?: Pick<Changes, 'publish'>;
      link?: (userId: string, triggers: LinkTriggers) => Promise<number>;
      linkCandidates?: (userIds: string[]) => Promise<Set<string>>;
      onLinkError?: (error: unknown) => void;
    } = {},
  ) {
    this.writer = writer;
    this.maxBatch = options.maxBatch ?? 256;
    this.dryRun = options.dryRun ?? false;
    this.changes = options.changes;
    this.link = options.link;
    this.linkCandidates = options.linkCandidates;
    this.onLinkError = options.onLinkError ?? (() => {});
  }

  /** `tokenId`: the API token that sent them, kept with each record (/validate answers per token). */
  record(userId: string, observations: Observation[], tokenId = ''): Promise<RecordResult> {
    if (observations.length === 0 || this.dryRun) return Promise.resolve({ stored: 0, duplicates: 0 });
    return new Promise((resolve, reject) => {
      this.queue.push({ userId, tokenId, observations, resolve, reject });
      this.flushing ??= new Promise<void>((done) => setImmediate(done)).then(() => this.flush());
    });
  }

  /** Resolves once everything queued so far is committed (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Drains, then stops the writer. */
  async close(): Promise<void> {
    await this.drain();
    await this.writer.close();
  }

  /** One 'usage' change per user with new rows in the commit (a batch of duplicates changes nothing). */
  private announce(done: [userId: string, result: RecordResult][], linked: Set<string> = new Set()): void {
    const changed = new Set([...done.filter(([, r]) => r.stored > 0).map(([u]) => u), ...linked]);
    for (const userId of changed) this.changes?.publish(userId, 'usage');
  }

  /**
   * After a commit: links each user's earlier usage whose account the commit made known. A
   * failure is logged and changes nothing stored: the next commit of the user tries again.
   * Returns the users whose usage moved.
   */
  private async linkAfterCommit(jobs: TelemetryJob[]): Promise<Set<string>> {
    const moved = new Set<string>();
    if (!this.link) return moved;
    const byUser = linkTriggers(jobs);
    let candidates: Set<string>;
    try {
      candidates = this.linkCandidates ? await this.linkCandidates([...byUser.keys()]) : new Set(byUser.keys());
    } catch (error) {
      this.onLinkError(error);
      return moved;
    }
    for (const [userId, triggers] of byUser) {
      if (!candidates.has(userId)) continue;
      try {
        if ((await this.link(userId, triggers)) > 0) moved.add(userId);
      } catch (error) {
        this.onLinkError(error);
      }
    }
    return moved;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const jobs = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.writer.write(
            jobs.map(({ userId, tokenId, observations }) => ({ userId, tokenId, observations })),
          );
          const linked = await this.linkAfterCommit(jobs);
          for (const [i, job] of jobs.entries()) job.resolve(results[i] as RecordResult);
          this.announce(
            jobs.map((j, i) => [j.userId, results[i] as RecordResult]),
            linked,
          );
        } catch {
          // One bad job must not fail the others: retry each in its own transaction.
          for (const job of jobs) {
            try {
              const [result] = await this.writer.write([
                { userId: job.userId, tokenId: job.tokenId, observations: job.observations },
              ]);
              const linked = await this.linkAfterCommit([job]);
              job.resolve(result as RecordResult);
              this.announce([[job.userId, result as RecordResult]], linked);
            } catch (error) {
              job.reject(
                new TaktError(
                  'unavailable',
                  `the export could not be stored (${(error as Error).message}); nothing of it was kept, retry later`,
                ),
              );
            }
          }
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}
