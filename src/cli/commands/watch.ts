import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultHome } from '../../config/takt-home.ts';
import { resolveServerAccess } from '../../install/server-access.ts';
import { isTaktError, TaktError } from '../../lib/errors.ts';
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
import { getJson, serverError } from '../http.ts';
import { offlineAccount } from '../watch/offline-snapshot.ts';
import { type PaceAnswer, type UsageAnswer, windowNudges } from '../watch/snapshot.ts';

const help = `takt watch [--server URL] [--token T] [--offline] [--once] [--json] [options]

Watches how much of each account's limits is used and prints one line per transition:
  USAGE_WRAP_UP    a window reached the wrap-up threshold (80%, or the cap within 30 min)
  USAGE_STOP_SOON  a window reached the stop threshold (95%, or the cap within 10 min)
  USAGE_LIMIT_HIT  a window is at 100% or a limit was hit
  PACE_SWITCH      the recommended account changed (from=… to=…)
each with account=, label=, window=, used=, resets_at=. The latest state is written to
TAKT_HOME/pace-current.json (atomically) after every poll.

By default it asks the takt server this machine reports to (flags, else TAKT_SERVER and
TAKT_TOKEN, else what \`takt hooks install\` saved, else the telemetry settings \`takt setup\`
wrote into ~/.claude/settings.json); --offline reads this machine's
transcripts and the status line's rate-limits.json instead.

  --server URL, --token T   the server and token (override the settings)
  --offline                 no server: local transcripts and rate-limits.json
  --plan P                  offline: the plan for default limits (${planIds.join(', ')})
  --dir PATH                offline: transcript roots instead of the default ones
  --once                    print the present state (as transitions from nothing) and exit
  --json                    one JSON object per line instead of text
  --interval SECONDS        between polls (default 60)
  --wrap-up-pct N, --wrap-up-minutes N, --stop-soon-pct N, --stop-soon-minutes N
                            thresholds (defaults 80, 30, 95, 10; also TAKT_WATCH_WRAP_UP_PCT, …)
  --settings PATH           settings.json to read the server and token from
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      offline: { type: 'boolean' },
      plan: { type: 'string' },
      dir: { type: 'string', multiple: true },
      once: { type: 'boolean' },
      json: { type: 'boolean' },
      interval: { type: 'string' },
      'wrap-up-pct': { type: 'string' },
      'wrap-up-minutes': { type: 'string' },
      'stop-soon-pct': { type: 'string' },
      'stop-soon-minutes': { type: 'string' },
      settings: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
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
  const plan = parsePlanId(values.plan ?? 'custom');
  if (plan === null) {
    throw new TaktError('bad_request', `--plan must be one of ${planIds.join(', ')} (got ${values.plan})`);
  }
  const home = defaultHome(env);
  const timeZone = defaultTimeZone(env);

  let snapshot: () => Promise<{ usage: UsageAnswer; pace: PaceAnswer; source: string }>;
  if (values.offline) {
    snapshot = async () => {
      const now = Date.now();
      const account = await offlineAccount({ env, home, plan, now, ...(values.dir ? { dirs: values.dir } : {}) });
      return {
        usage: meUsageView([account], now) as UsageAnswer,
        pace: paceView([account], now, timeZone),
        source: 'offline',
      };
    };
  } else {
    const access = resolveServerAccess({
      flags: { server: values.server, token: values.token },
      env,
      home,
      ...(values.settings ? { settingsPath: values.settings } : {}),
    });
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
      for (const e of nudgeTransitions(previous, current, pace))
        say(values.json ? JSON.stringify({ ...e, at: new Date(now).toISOString() }) : nudgeLine(e));
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
  mkdirSync(home, { recursive: true });
  const file = join(home, 'pace-current.json');
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
}
