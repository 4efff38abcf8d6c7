import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadShippedPriceTable } from '../../src/pricing/price-table.ts';
import { loadTranscriptUsage } from '../../src/transcripts/load-transcript-usage.ts';
import type { Sums } from '../../src/usage/report-types.ts';
import { buildReport } from '../../src/usage/transcript-report.ts';
import { claudeDir } from './transcript-lines.ts';

/**
 * Runs of the transcript index as `takt report` makes them, over scratch directories: the
 * tests of the index's parts (src/transcripts/*-transcript-index.test.ts) share them.
 * Call `afterEach(removeScratch)` in each test file.
 */

const scratch: string[] = [];

export function removeScratch(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'takt-home-'));
  scratch.push(home);
  return home;
}

export function setup(files: Record<string, string>) {
  const root = claudeDir(files);
  scratch.push(root);
  return { root, home: freshHome() };
}

export interface Counted {
  input: number;
  output: number;
  cacheWrite: number;
  cacheWrite1h: number;
  cacheRead: number;
  responses: number;
  skipped: number;
  synthetic: number;
  bytesRead: number;
}

/** Runs the engine as `takt report` does and returns what it counted. */
export async function count(root: string, home: string): Promise<Counted> {
  const loaded = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
  const report = buildReport(loaded.index.table, loadShippedPriceTable(), {
    kind: 'daily',
    timeZone: 'UTC',
    breakdown: false,
    weekStart: 1,
    now: Date.parse('2026-11-22T00:00:00Z'),
  });
  const t: Sums = report.totals;
  let skipped = 0;
  let synthetic = 0;
  for (const f of loaded.index.files.summaries()) {
    skipped += f.skippedCount;
    synthetic += f.synthetic;
  }
  return {
    input: t.input_tokens,
    output: t.output_tokens,
    cacheWrite: t.cache_creation_tokens,
    cacheWrite1h: t.cache_creation_1h_tokens,
    cacheRead: t.cache_read_tokens,
    responses: t.responses,
    skipped,
    synthetic,
    bytesRead: loaded.summary.bytesRead,
  };
}

/** A session's transcript path below the projects directory. */
export const S = 'proj-app/session-a.jsonl';
