import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultHome } from '../../config/takt-home.ts';
import { isTaktError, TaktError } from '../../lib/errors.ts';
import { getJson, serverError } from '../../lib/server-client.ts';
import { meUsageView, paceView } from '../../queries/limits-view.ts';
import { planIds } from '../../usage/limit-types.ts';
import { defaultTimeZone } from '../../usage/local-time.ts';
import {
  DEFAULT_NUDGE_THRESHOLDS,
  type NudgeLevel,
  type NudgeThresholds,
  nudgeLine,
  nudgeTransitions,
} from '../../usage/nudges.ts';
import { parsePlanId } from '../../usage/plans.ts';
import { type CommandSpec, helpOf, parseCommand, serverFlags } from '../command-spec.ts';
import { serverAccessFrom } from '../server-flags.ts';
import { offlineAccount } from '../watch/offline-snapshot.ts';
import { type PaceAnswer, type UsageAnswer, windowNudges } from '../watch/snapshot.ts';

const spec: CommandSpec = {
  name: 'watch',
  usage: '[--offline] [--once] [--json] [options]',
  about: `Prints one line each time a window of your limits changes state:
  USAGE_WRAP_UP    a window reached the wrap-up threshold (80%, or the cap within 30 min)
  USAGE_STOP_SOON  a window reached the stop threshold (95%, or the cap within 10 min)
  USAGE_LIMIT_HIT  a window is at 100% or a limit was hit
  PACE_SWITCH      the recommended account changed (from=… to=…)
each with account=, label=, window=, used=, resets_at=. The latest state is written to
TAKT_HOME/pace-current.json after every check. With --once and nothing to warn about, it
prints one line saying all is fine; without --once it says once, on standard error, what it
watches (standard output keeps one line per change).

It asks the takt server this machine reports to (the flags, else TAKT_SERVER and TAKT_TOKEN,
else what takt hooks install saved, else what takt setup wrote into Claude Code's settings);
--offline reads this machine's transcripts and the status line's saved rate limits instead.`,
  shared: ['json', ...serverFlags, 'help'],
  flags: {
    offline: { type: 'boolean', help: "no server: this machine's transcripts and saved rate limits" },
    once: { type: 'boolean', help: 'print the present state and exit' },
    plan: { type: 'string', value: 'P', help: `offline: your plan, for its default limits (${planIds.join(', ')})` },
    dir: {
      type: 'string',
      multiple: true,
      value: 'PATH',
      help: 'offline: transcript folders instead of the default ones',
    },
    interval: { type: 'string', value: 'SECONDS', help: 'between checks (default 60; also TAKT_WATCH_INTERVAL)' },
    'wrap-up-pct': { type: 'string', value: 'N', help: 'wrap-up threshold in % (default 80)' },
    'wrap-up-minutes': { type: 'string', value: 'N', help: 'wrap up when the cap is this near (default 30)' },
    'stop-soon-pct': { type: 'string', value: 'N', help: 'stop-soon threshold in % (default 95)' },
    'stop-soon-minutes': { type: 'string', value: 'N', help: 'stop soon when the cap is this near (default 10)' },
  },
};

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand(spec, args);
  if (values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const env = process.env;
  const number = (flag: string, envName: string, fallback: number, min: number) => {
    const raw = (values as Record<string, unknown>)[flag] ?? env[envName];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min)
      throw new TaktError('bad_request', `--${flag} must be a number ≥ ${min} (got ${String(raw)})`);
    return n;
  };
  const thresholds: NudgeThresholds = {
    wrapUpPct: number('wrap-up-pct', 'TAKT_WATCH_WRAP_UP_PCT', DEFAULT_NUDGE_THRESHOLDS.wrapUpPct, 1),
    wrapUpMinutes: number('wrap-up-minutes', 'TAKT_WATCH_WRAP_UP_MINUTES', DEFAULT_NUDGE_THRESHOLDS.wrapUpMinutes, 0),
    stopSoonPct: number('stop-soon-pct', 'TAKT_WATCH_STOP_SOON_PCT', DEFAULT_NUDGE_THRESHOLDS.stopSoonPct, 1),
    stopSoonMinutes: number(
      'stop-soon-minutes',
      'TAKT_WATCH_STOP_SOON_MINUTES',
      DEFAULT_NUDGE_THRESHOLDS.stopSoonMinutes,
      0,
    ),
  };
  const intervalMs = number('interval', 'TAKT_WATCH_INTERVAL', 60, 1) * 1000;
  const plan = parsePlanId((values.plan as string | undefined) ?? 'custom');
  if (plan === null) {
    throw new TaktError('bad_request', `--plan must be one of ${planIds.join(', ')} (got ${values.plan})`);
  }
  const home = defaultHome(env);
  const timeZone = defaultTimeZone(env);

  let snapshot: () => Promise<{ usage: UsageAnswer; pace: PaceAnswer; source: string }>;
  if (values.offline) {
    snapshot = async () => {
      const now = Date.now();
      const dirs = values.dir as string[] | undefined;
      const account = await offlineAccount({ env, home, plan, now, ...(dirs ? { dirs } : {}) });
      return {
        usage: meUsageView([account], now) as UsageAnswer,
        pace: paceView([account], now, timeZone),
        source: 'offline',
      };
    };
  } else {
    const access = await serverAccessFrom(values, { env, home });
    if (!access) {
      throw new TaktError(
        'bad_request',
        'no server or token: run takt setup (it writes both into ~/.claude/settings.json), pass --server URL --token T, or use --offline',
      );
    }
    const { server, token } = access;
    snapshot = async () => {
      const usage = await getJson<UsageAnswer>(server, '/api/me/usage', token);
      if (usage.status !== 200) throw serverError(usage);
      const pace = await getJson<PaceAnswer>(server, `/api/me/pace?tz=${encodeURIComponent(timeZone)}`, token);
      if (pace.status !== 200) throw serverError(pace);
      return { usage: usage.body, pace: pace.body, source: server };
    };
  }

  const say = (text: string) => process.stdout.write(`${text}\n`);
  let previous = new Map<string, NudgeLevel>();
  let recommended: string | null = null;
  let away = false;
  let greeted = false;
  for (;;) {
    try {
      const snap = await snapshot();
      if (away) process.stderr.write('takt watch: the server answers again\n');
      away = false;
      const now = Date.now();
      const current = windowNudges(snap.usage, now, thresholds);
      const to = snap.pace.recommended_account?.label ?? null;
      // A single account is no choice: PACE_SWITCH only among several.
      const pace = snap.usage.accounts.length > 1 ? { from: recommended, to } : null;
      const events = nudgeTransitions(previous, current, pace);
      for (const e of events)
        say(values.json ? JSON.stringify({ ...e, at: new Date(now).toISOString() }) : nudgeLine(e));
      if (values.once && events.length === 0)
        say(values.json ? JSON.stringify(allFine(current, now)) : allFineLine(current));
      // Watching quietly looked like a hang: say once, on stderr (stdout stays one line per
      // change for scripts), what is watched and that lines come only at changes.
      if (!values.once && !greeted) {
        greeted = true;
        process.stderr.write(
          `takt watch: ${allFineLine(current)}; checking every ${intervalMs / 1000} s, a line at each change (Ctrl-C stops)\n`,
        );
      }
      previous = new Map([...current].map(([k, v]) => [k, v.level]));
      if (pace) recommended = to;
      writePaceCurrent(home, {
        updated_at: new Date(now).toISOString(),
        source: snap.source,
        recommended_account: snap.pace.recommended_account,
        reason: snap.pace.reason,
        windows: [...current.values()].map((w) => ({ level: w.level, ...w.event })),
      });
    } catch (error) {
      if (!isTaktError(error) || error.code !== 'unavailable' || values.once) throw error;
      // Lost the server: say so once, keep trying.
      if (!away) process.stderr.write(`takt watch: ${error.message} (trying again every ${intervalMs / 1000} s)\n`);
      away = true;
    }
    if (values.once) return 0;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The latest verdict for scripts and the status line, replaced atomically (write, then rename). */
function writePaceCurrent(home: string, state: unknown): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = join(home, 'pace-current.json');
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
}

/** `--once` with nothing to warn about still answers: one line, so a script can tell "fine" from "no answer". */
function allFine(current: ReturnType<typeof windowNudges>, now: number) {
  return { type: 'USAGE_OK', windows: current.size, at: new Date(now).toISOString() };
}

function allFineLine(current: ReturnType<typeof windowNudges>): string {
  const highest = Math.max(0, ...[...current.values()].map((w) => w.event.used_pct ?? 0));
  return current.size === 0
    ? 'USAGE_OK no limits known yet'
    : `USAGE_OK windows=${current.size} highest_used=${Math.round(highest)}% (below the wrap-up threshold)`;
}
