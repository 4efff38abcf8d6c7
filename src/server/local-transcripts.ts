import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { readClaudeJson, signedInAccountUuid } from '../official/claude-json.ts';
import type { TranscriptObservation } from '../recording/observations.ts';
import { upsertSessionProjects } from '../store/session-projects.ts';
import { findTranscriptFiles, transcriptProjectDirs } from '../transcripts/find-transcripts.ts';
import { mergeRecord, readTranscriptRecords, recordKey, type SyncRecord } from '../transcripts/transcript-records.ts';
import type { AppContext } from './app-context.ts';
import { observationOf } from './transcript-observation.ts';

/** What one refresh did (POST /app/claude-usage/refresh/ answers it). */
export interface LocalRefreshSummary {
  /** The projects directories read (CLAUDE_CONFIG_DIR, ~/.config/claude, ~/.claude of the server's HOME). */
  project_dirs: string[];
  files: number;
  files_read: number;
  /** Responses read in this refresh (after merging a response's repeated lines). */
  found: number;
  stored: number;
  duplicates: number;
  /** Usage lines without message or request id: they cannot be recorded exactly once, left out. */
  keyless: number;
  host_name: string;
  account_uuid: string | null;
}

const BATCH = 2000;

/**
 * Seed 001's "refresh": on a one-person local server, the server machine's own Claude Code
 * transcripts are its owner's, so the server reads them itself, as `takt sync` would, and
 * records them with the same rules (source 'transcript', once per message id). It keeps
 * where each file was read to in memory: a repeat reads only what was appended; after a
 * restart everything is read again and the store's dedupe makes it duplicates.
 * Refreshes run one after another, never two at once.
 */
export class LocalTranscriptRefresh {
  private readonly offsets = new Map<string, { dev: number; ino: number; offset: number }>();
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: AppContext) {}

  refresh(userId: string): Promise<LocalRefreshSummary> {
    const next = this.running.then(
      () => this.run(userId),
      () => this.run(userId),
    );
    this.running = next.catch(() => undefined);
    return next;
  }

  private async run(userId: string): Promise<LocalRefreshSummary> {
    const env = machineEnv(this.ctx);
    const projectDirs = transcriptProjectDirs(env);
    const hostName = hostname();
    const accountUuid = signedInAccountUuid(readClaudeJson(env)) ?? null;
    const files = findTranscriptFiles(projectDirs);
    const summary: LocalRefreshSummary = {
      project_dirs: projectDirs,
      files: files.length,
      files_read: 0,
      found: 0,
      stored: 0,
      duplicates: 0,
      keyless: 0,
      host_name: hostName,
      account_uuid: accountUuid,
    };
    const pending = new Map<string, SyncRecord>();
    for (const f of files) {
      const st = statSync(f.path, { throwIfNoEntry: false });
      if (!st) continue;
      const known = this.offsets.get(f.path);
      // A replaced or shrunk file is read again from its start: what it repeats is a duplicate.
      const same = known !== undefined && known.dev === st.dev && known.ino === st.ino && known.offset <= st.size;
      const offset = same ? known.offset : 0;
      if (offset >= st.size) continue;
      const read = readTranscriptRecords(f.path, offset, st.size);
      summary.files_read++;
      summary.keyless += read.keyless;
      for (const r of read.records) {
        const queued = pending.get(recordKey(r));
        if (queued) mergeRecord(queued, r);
        else pending.set(recordKey(r), r);
      }
      if (pending.size >= BATCH) await this.record(userId, pending, hostName, accountUuid, summary);
      this.offsets.set(f.path, { dev: st.dev, ino: st.ino, offset: read.nextOffset });
    }
    await this.record(userId, pending, hostName, accountUuid, summary);
    return summary;
  }

  private async record(
    userId: string,
    pending: Map<string, SyncRecord>,
    hostName: string,
    accountUuid: string | null,
    summary: LocalRefreshSummary,
  ): Promise<void> {
    if (pending.size === 0) return;
    const records = [...pending.values()];
    pending.clear();
    const observations: TranscriptObservation[] = records.map((r) =>
      observationOf(r, hostName, accountUuid ?? undefined, this.ctx.prices),
    );
    const result = await this.ctx.recorder.record(userId, observations);
    const projects = records.flatMap((r) => (r.cwd ? [{ sessionId: r.session_id, cwd: r.cwd, at: r.timestamp }] : []));
    await upsertSessionProjects(this.ctx.store.db, userId, projects);
    summary.found += records.length;
    summary.stored += result.stored;
    summary.duplicates += result.duplicates;
  }
}

/** The server machine's HOME and CLAUDE_CONFIG_DIR, as the config read them at start. */
function machineEnv(ctx: AppContext): NodeJS.ProcessEnv {
  return {
    ...(ctx.config.claudeHome ? { HOME: ctx.config.claudeHome } : {}),
    ...(ctx.config.claudeConfigDir ? { CLAUDE_CONFIG_DIR: ctx.config.claudeConfigDir } : {}),
  };
}
