import { TaktError } from '../lib/errors.ts';
import { listAccounts } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import { type ActivityRow, loadActivityRows } from '../store/export-rows.ts';
import { listMachines } from '../store/machines.ts';
import { dayFormatter } from './usage-report.ts';

export const activityGroupByValues = ['day', 'machine', 'account'] as const;
export type ActivityGroupBy = (typeof activityGroupByValues)[number];

/** Claude Code's activity metrics as the API answers them (docs/api.md, "Activity"). */
export interface ActivityFigures {
  /** Sessions started (`claude_code.session.count`; a `--continue` run starts one too). */
  sessions: number;
  /** `claude_code.active_time.total` by its `type`: `user` (typing) and `cli` (Claude working). */
  active_seconds: { user: number; cli: number };
  lines: { added: number; removed: number };
  commits: number;
  pull_requests: number;
  /** `claude_code.code_edit_tool.decision` per tool: accepted and rejected edits. */
  edit_decisions: Record<string, { accept: number; reject: number }>;
}

export interface ActivityReport {
  from: string;
  to: string;
  totals: ActivityFigures;
  groups?: ({ key: string } & ActivityFigures)[];
}

/** The metrics read here; activity_records also keeps events (tool results, errors), not summed here. */
const KINDS = {
  sessions: 'claude_code.session.count',
  active: 'claude_code.active_time.total',
  lines: 'claude_code.lines_of_code.count',
  commits: 'claude_code.commit.count',
  pullRequests: 'claude_code.pull_request.count',
  decisions: 'claude_code.code_edit_tool.decision',
} as const;

export function emptyActivity(): ActivityFigures {
  return {
    sessions: 0,
    active_seconds: { user: 0, cli: 0 },
    lines: { added: 0, removed: 0 },
    commits: 0,
    pull_requests: 0,
    edit_decisions: {},
  };
}

/**
 * Activity of some users in [from, to), from the metric deltas the recorder stored once per
 * dedupe key (recording/telemetry-jobs.ts): a resent export stored nothing new, and a
 * cumulative series was turned into deltas there, so summing the values counts each once.
 * Returns one report per user id asked.
 */
export async function queryActivity(
  db: Db,
  q: { userIds: string[]; from: number; to: number; groupBy?: ActivityGroupBy; timeZone?: string },
): Promise<Map<string, ActivityReport>> {
  if (!(q.to > q.from)) throw new TaktError('bad_request', '`to` must be later than `from`');
  const dayOf = dayFormatter(q.timeZone ?? 'UTC');
  const rows = await loadActivityRows(db, { userIds: q.userIds, kinds: Object.values(KINDS), from: q.from, to: q.to });
  const byUser = new Map<string, ActivityRow[]>(q.userIds.map((id) => [id, []]));
  for (const r of rows) byUser.get(r.user_id)?.push(r);
  const out = new Map<string, ActivityReport>();
  for (const [userId, own] of byUser) {
    const keyOf = await groupKeyFor(db, userId, q.groupBy, dayOf);
    const totals = emptyActivity();
    const groups = new Map<string, ActivityFigures>();
    for (const r of own) {
      addActivity(totals, r);
      if (keyOf) {
        const key = keyOf(r);
        const g = groups.get(key) ?? emptyActivity();
        addActivity(g, r);
        groups.set(key, g);
      }
    }
    out.set(userId, {
      from: new Date(q.from).toISOString(),
      to: new Date(q.to).toISOString(),
      totals: rounded(totals),
      ...(keyOf
        ? {
            groups: [...groups.entries()]
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([key, g]) => ({ key, ...rounded(g) })),
          }
        : {}),
    });
  }
  return out;
}

async function groupKeyFor(
  db: Db,
  userId: string,
  by: ActivityGroupBy | undefined,
  dayOf: (ms: number) => string,
): Promise<((r: ActivityRow) => string) | undefined> {
  switch (by) {
    case undefined:
      return undefined;
    case 'day':
      return (r) => dayOf(r.at);
    case 'machine': {
      const names = new Map((await listMachines(db, userId)).map((m) => [m.id, m.host_name || '(unknown)']));
      return (r) => names.get(r.machine_id) ?? '(unknown)';
    }
    case 'account': {
      // Keyed by the account's identity, as /api/usage?group_by=account is.
      const names = new Map((await listAccounts(db, userId)).map((a) => [a.id, a.account_uuid ?? a.account_key]));
      return (r) => (r.account_id ? (names.get(r.account_id) ?? r.account_id) : '(unknown)');
    }
    default:
      return by satisfies never;
  }
}

function addActivity(f: ActivityFigures, r: ActivityRow): void {
  const attrs = parseAttributes(r.attributes);
  switch (r.kind) {
    case KINDS.sessions:
      f.sessions += r.value;
      break;
    case KINDS.active:
      if (attrs.type === 'user') f.active_seconds.user += r.value;
      else f.active_seconds.cli += r.value;
      break;
    case KINDS.lines:
      if (attrs.type === 'added') f.lines.added += r.value;
      else if (attrs.type === 'removed') f.lines.removed += r.value;
      break;
    case KINDS.commits:
      f.commits += r.value;
      break;
    case KINDS.pullRequests:
      f.pull_requests += r.value;
      break;
    case KINDS.decisions: {
      const tool = String(attrs.tool_name ?? attrs.tool ?? '(unknown)');
      const d = f.edit_decisions[tool] ?? { accept: 0, reject: 0 };
      if (attrs.decision === 'accept') d.accept += r.value;
      else if (attrs.decision === 'reject') d.reject += r.value;
      f.edit_decisions[tool] = d;
      break;
    }
  }
}

function parseAttributes(text: string): Record<string, string | number> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, string | number>) : {};
  } catch {
    return {};
  }
}

/** Seconds to the millisecond, counts whole: sums of doubles carry noise below that. */
function rounded(f: ActivityFigures): ActivityFigures {
  const ms = (s: number) => Math.round(s * 1000) / 1000;
  return { ...f, active_seconds: { user: ms(f.active_seconds.user), cli: ms(f.active_seconds.cli) } };
}
